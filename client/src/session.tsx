import { createContext, useContext } from 'react';
import type { Viewer } from './graphql/documents';

export interface Session {
  viewer: Viewer;
  isAdmin: boolean;
  signOut(): Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}

/** The GraphQL connection reports a lost session here (HTTP 401, WebSocket 4403). */
export const authEvents = new EventTarget();
export const AUTH_LOST = 'auth-lost';

export function reportAuthLost(): void {
  authEvents.dispatchEvent(new Event(AUTH_LOST));
}

export type SignInResult = { ok: true } | { ok: false; reason: 'credentials' | 'limited' | 'network' | 'server' };

export async function signIn(email: string, password: string): Promise<SignInResult> {
  try {
    const response = await fetch('/auth/sign-in', {
      method: 'POST',
      credentials: 'include',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    if (response.ok) return { ok: true };
    if (response.status === 401 || response.status === 400) return { ok: false, reason: 'credentials' };
    if (response.status === 429) return { ok: false, reason: 'limited' };
    return { ok: false, reason: 'server' };
  } catch {
    return { ok: false, reason: 'network' };
  }
}

/**
 * Whether the browser has a session, asked before any GraphQL request: GET /auth/session answers
 * 204 when signed out, so a signed-out visit shows the sign-in page without a failed request.
 * A network or server failure answers `unknown`: the GraphQL request that follows reports it.
 */
export async function probeSession(): Promise<'signed-in' | 'signed-out' | 'unknown'> {
  try {
    const response = await fetch('/auth/session', { credentials: 'include', cache: 'no-store' });
    if (response.status === 204) return 'signed-out';
    return response.ok ? 'signed-in' : 'unknown';
  } catch {
    return 'unknown';
  }
}

export async function postSignOut(): Promise<void> {
  try {
    await fetch('/auth/sign-out', { method: 'POST', credentials: 'include' });
  } catch {
    // The cookie stays, but the dashboard forgets the session anyway.
  }
}
