import { hash, verify } from '@node-rs/argon2';
import type { EntityManager } from '@mikro-orm/core';
import type { SqlReads } from '../../db/sql.js';
import { newId, randomToken, sha256Hex } from '../../ids.js';
import { ApiKey } from './api-key.entity.js';
import { DashboardUser, Role } from './dashboard-user.entity.js';
import type { Principal } from './principal.js';
import { Session } from './session.entity.js';

export const SESSION_COOKIE = 'cc_session';

/**
 * The password_hash of a member who has not yet used their set-password link: not an argon2
 * hash, so no password verifies against it.
 */
export const NO_PASSWORD = '!unset';

/** Hashes a password with argon2id (library defaults follow OWASP's minimums). */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

/** A new secret API key: `sk_` and 40 base62 characters (238 random bits). */
export function newApiKeySecret(): string {
  return `sk_${randomToken(40)}`;
}

/** The part of a key shown to people so they can tell keys apart. */
export function apiKeyPrefix(key: string): string {
  return key.slice(0, 10);
}

/** Creates a secret API key; the clear key is returned once and never stored. */
export async function createApiKey(em: EntityManager, platformId: string, name: string | null = null): Promise<string> {
  const key = newApiKeySecret();
  em.create(ApiKey, { id: newId('key'), platformId, prefix: apiKeyPrefix(key), keyHash: sha256Hex(key), name });
  await em.flush();
  return key;
}

/** Creates a dashboard user with a generated password unless one is given. */
export async function createUser(
  em: EntityManager,
  input: { platformId: string; email: string; role: Role; password?: string },
): Promise<{ email: string; password: string }> {
  const password = input.password ?? randomToken(20);
  const email = input.email.trim().toLowerCase();
  em.create(DashboardUser, {
    id: newId('usr'),
    platformId: input.platformId,
    email,
    role: input.role,
    passwordHash: await hashPassword(password),
  });
  await em.flush();
  return { email, password };
}

// Every request runs one of these two, so each is one statement (prepared once per connection),
// on the read connection: no ORM unit of work, and never queued behind a job's write transaction.
const API_KEY_LOOKUP = 'select id, platform_id, prefix from api_key where key_hash = $1 and revoked_at is null';
const SESSION_LOOKUP = `select u.id, u.platform_id, u.role, u.email from session s join dashboard_user u on u.id = s.user_id
  where s.token_hash = $1 and s.expires_at > $2`;

/** The principal behind a `Bearer sk_…` key, or null. */
export async function principalFromApiKey(reads: SqlReads, key: string): Promise<Principal | null> {
  if (!key.startsWith('sk_')) return null;
  const [row] = await reads.query<{ id: string; platform_id: string; prefix: string }>(API_KEY_LOOKUP, [sha256Hex(key)]);
  if (!row) return null;
  return { platformId: row.platform_id, role: Role.ADMIN, kind: 'apiKey', subjectId: row.id, keyPrefix: row.prefix, actor: row.prefix };
}

/** The principal behind a session cookie token, or null when unknown or expired. */
export async function principalFromSession(reads: SqlReads, token: string): Promise<Principal | null> {
  const [user] = await reads.query<{ id: string; platform_id: string; role: Role; email: string }>(SESSION_LOOKUP, [sha256Hex(token), new Date()]);
  if (!user) return null;
  return { platformId: user.platform_id, role: user.role, kind: 'user', subjectId: user.id, email: user.email, actor: user.email };
}

// Verifying against a fixed hash when the email is unknown keeps the response
// time the same, so sign-in does not reveal which emails have accounts.
let dummyHash: Promise<string> | undefined;

/** Checks credentials and opens a session; returns the cookie token or null. */
export async function signIn(
  em: EntityManager,
  email: string,
  password: string,
  ttlHours: number,
): Promise<{ token: string; expiresAt: Date; user: DashboardUser } | null> {
  const user = await em.findOne(DashboardUser, { email: email.trim().toLowerCase() });
  dummyHash ??= hashPassword(randomToken(20));
  const usable = user && user.passwordHash !== NO_PASSWORD ? user : null;
  const ok = await verify(usable?.passwordHash ?? (await dummyHash), password).catch(() => false);
  if (!usable || !ok) return null;
  usable.lastSignInAt = new Date();
  const token = randomToken(43);
  const expiresAt = new Date(Date.now() + ttlHours * 3600_000);
  em.create(Session, { tokenHash: sha256Hex(token), userId: usable.id, expiresAt });
  await em.flush();
  return { token, expiresAt, user: usable };
}

export async function signOut(em: EntityManager, token: string): Promise<void> {
  await em.nativeDelete(Session, { tokenHash: sha256Hex(token) });
}

/**
 * Resolves credentials from an `Authorization` value and/or a session cookie.
 * The Authorization header wins when both are present.
 */
export async function resolvePrincipal(
  reads: SqlReads,
  authorization: string | undefined,
  sessionToken: string | undefined,
): Promise<Principal | null> {
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    return match ? principalFromApiKey(reads, match[1]) : null;
  }
  if (sessionToken) return principalFromSession(reads, sessionToken);
  return null;
}
