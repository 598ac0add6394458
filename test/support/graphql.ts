import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface GqlResult<T = Record<string, unknown>> {
  status: number;
  data?: T;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> & { code?: string } }>;
}

export type Auth = { apiKey: string } | { cookie: string } | null;

function authHeaders(auth: Auth): Record<string, string> {
  if (!auth) return {};
  return 'apiKey' in auth ? { authorization: `Bearer ${auth.apiKey}` } : { cookie: auth.cookie };
}

/** POST /graphql over real HTTP, returning the status and the parsed body. */
export async function gql<T = Record<string, unknown>>(
  baseUrl: string,
  auth: Auth,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GqlResult<T>> {
  const res = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authHeaders(auth) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as Omit<GqlResult<T>, 'status'>;
  return { status: res.status, ...body };
}

/** Like gql but throws on any error, returning data. */
export async function gqlData<T = Record<string, unknown>>(
  baseUrl: string,
  auth: Auth,
  query: string,
  variables?: Record<string, unknown>,
): Promise<T> {
  const r = await gql<T>(baseUrl, auth, query, variables);
  if (r.errors?.length || !r.data) throw new Error(`GraphQL error (${r.status}): ${JSON.stringify(r.errors)}`);
  return r.data;
}

/** Signs in through the dashboard route and returns the session cookie. */
export async function signIn(baseUrl: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${baseUrl}/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status}`);
  const setCookie = res.headers.get('set-cookie') ?? '';
  return setCookie.split(';')[0];
}

/** A graphql-ws client (with the `ws` package) authenticated like the dashboard or an integrator. */
export function wsClient(wsUrl: string, auth: Auth, opts: { onClose?: (code: number) => void } = {}): Client {
  const headers = auth && 'cookie' in auth ? { cookie: auth.cookie } : {};
  return createClient({
    url: wsUrl,
    webSocketImpl: class extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers });
      }
    },
    connectionParams: auth && 'apiKey' in auth ? { authorization: `Bearer ${auth.apiKey}` } : {},
    retryAttempts: 0,
    lazy: true,
    on: { closed: (event) => opts.onClose?.((event as { code: number }).code) },
  });
}

/** Collects every event of one subscription until it completes (or errors). */
export function subscribeAll<T>(client: Client, query: string, variables?: Record<string, unknown>) {
  const events: T[] = [];
  let unsubscribe: () => void = () => undefined;
  const done = new Promise<T[]>((resolve, reject) => {
    unsubscribe = client.subscribe<T>(
      { query, variables },
      {
        next: (value) => {
          if (value.errors) reject(new Error(JSON.stringify(value.errors)));
          else events.push(value.data as T);
        },
        error: (err) => reject(err instanceof Error ? err : new Error(JSON.stringify(err))),
        complete: () => resolve(events),
      },
    );
  });
  // Callers that stop early never await `done`; a later socket close must not surface as unhandled.
  done.catch(() => undefined);
  return { events, done, unsubscribe: () => unsubscribe() };
}
