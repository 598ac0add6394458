import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseEnv } from '../../server/src/config/env.js';
import { createUser } from '../../server/src/modules/auth/auth.service.js';
import { Role } from '../../server/src/modules/auth/dashboard-user.entity.js';
import { createPlatform } from '../../server/src/modules/platforms/platform.service.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase } from '../support/database.js';
import { childSettings, openDirect } from '../support/faults.js';
import { gql, gqlData, signIn, subscribeAll, wsClient } from '../support/graphql.js';
import { spawnServer } from '../support/process.js';

/**
 * The server's limits, each refused with a clear message and a code: GraphQL depth, cost, aliases,
 * directives and tokens (graphql-armor rules, on HTTP and graphql-ws), request bodies, graphql-ws
 * handshakes, sign-in and batch-creation rates; and the protections that must stay on: CSRF
 * prevention, authenticated-only introspection, secure cookies, secrets kept out of the logs.
 * (The upload size cap is tested in test/flow/file-errors.test.ts.)
 */

const LIMIT = 'QUERY_LIMIT_EXCEEDED';
const TYPE_REF = (levels: number) => `${'ofType { '.repeat(levels)}name${' }'.repeat(levels)}`;
/** Valid, and 10 levels deep through introspection's recursive ofType. */
const DEEP = `{ __type(name: "UploadBatch") { fields { type { ${TYPE_REF(6)} } } } }`;
/** The deepest legitimate selection of the schema (7 levels). */
const DEEPEST_LEGIT = `mutation { createUploadBatch(input: {}) { batch { rows(first: 1) { edges { node { issues { code } } } } } } }`;
const COSTLY = '{ uploadBatches(first: 100) { edges { node { rows(first: 1000) { edges { node { rowNumber newEmail } } } } } } }';

interface WireError {
  message: string;
  extensions?: { code?: string; limit?: string; max?: number; retryAfterSeconds?: number };
}

describe('API limits', () => {
  let t: TestApp;
  let auth: { apiKey: string };
  let other: { apiKey: string };
  let admin: { email: string; password: string };
  let viewerCookie: string;

  beforeAll(async () => {
    t = await startTestApp({
      SIGN_IN_RATE_LIMIT: '3',
      BATCH_CREATE_RATE_LIMIT: '3',
      BATCH_CREATE_RATE_WINDOW_SECONDS: '600',
      WS_CONNECTION_INIT_TIMEOUT_MS: '300',
    });
    const p = await t.platform('Limits Co', 5);
    auth = { apiKey: p.apiKey };
    admin = p.admin;
    other = { apiKey: (await t.platform('Other Co', 5)).apiKey };
    const viewer = await createUser(t.app.services.orm.em.fork(), { platformId: p.platformId, email: 'viewer@limits.example', role: Role.VIEWER });
    viewerCookie = await signIn(t.url, viewer.email, viewer.password);
  });
  afterAll(() => t?.stop());

  async function refused(query: string, limit: string) {
    const r = await gql(t.url, auth, query);
    expect(r.status).toBe(400);
    expect(r.data).toBeUndefined();
    const e = r.errors?.[0] as WireError;
    expect(e.extensions).toMatchObject({ code: LIMIT, limit });
    expect(typeof e.extensions?.max).toBe('number');
    expect(e.message).toMatch(new RegExp(`exceeds the .* limit of ${e.extensions?.max}`));
    return e;
  }

  describe('GraphQL document limits (HTTP)', () => {
    it('depth: refuses a document nested deeper than GRAPHQL_MAX_DEPTH (8), accepts the deepest real one', async () => {
      const e = await refused(DEEP, 'depth');
      expect(e.message).toBe('This request exceeds the nesting depth limit of 8 (this request: 10). Select fewer nested fields.');
      // Another platform: a batch created here counts against the rate limit tested below.
      const legit = await gql(t.url, other, DEEPEST_LEGIT);
      expect(legit.errors).toBeUndefined();
    });

    it('cost: refuses nested lists (100 batches × 1,000 rows), accepts one page of 1,000 rows', async () => {
      await refused(COSTLY, 'cost');
      const page = await gql(
        t.url,
        auth,
        '{ uploadBatches(first: 1) { edges { node { rows(first: 1000) { edges { node { rowNumber accountId newEmail currentEmail change issues { code severity message } applyStatus } } } } } } }',
      );
      expect(page.errors).toBeUndefined();
    });

    it('aliases: refuses more than GRAPHQL_MAX_ALIASES (15)', async () => {
      const aliases = Array.from({ length: 16 }, (_, i) => `v${i}: viewer { role }`).join(' ');
      await refused(`{ ${aliases} }`, 'aliases');
      const fifteen = await gql(t.url, auth, `{ ${Array.from({ length: 15 }, (_, i) => `v${i}: viewer { role }`).join(' ')} }`);
      expect(fifteen.errors).toBeUndefined();
    });

    it('directives: refuses more than GRAPHQL_MAX_DIRECTIVES (50)', async () => {
      await refused(`{ viewer { role ${'@include(if: true) '.repeat(51)} } }`, 'directives');
    });

    it('tokens: refuses a document of more than GRAPHQL_MAX_TOKENS (1,000) tokens before parsing it all', async () => {
      const e = await refused(`{ viewer { ${'role '.repeat(1000)} } }`, 'tokens');
      expect(e.message).toContain('size in tokens limit of 1000');
    });
  });

  describe('graphql-ws applies the same rules', () => {
    async function wsError(query: string, variables?: Record<string, unknown>): Promise<WireError> {
      const client = wsClient(t.wsUrl, auth);
      try {
        const run = subscribeAll(client, query, variables);
        const err = await run.done.then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).not.toBeNull();
        return (JSON.parse((err as Error).message) as WireError[])[0];
      } finally {
        await client.dispose();
      }
    }

    it('refuses deep, costly, aliased and long documents with the same codes', async () => {
      expect((await wsError(DEEP)).extensions).toMatchObject({ code: LIMIT, limit: 'depth', max: 8 });
      expect((await wsError(COSTLY)).extensions).toMatchObject({ code: LIMIT, limit: 'cost' });
      const aliases = Array.from({ length: 16 }, (_, i) => `v${i}: viewer { role }`).join(' ');
      expect((await wsError(`{ ${aliases} }`)).extensions).toMatchObject({ code: LIMIT, limit: 'aliases' });
      expect((await wsError(`{ viewer { ${'role '.repeat(1000)} } }`)).extensions).toMatchObject({ code: LIMIT, limit: 'tokens' });
      expect((await wsError('{ viewer { nope } }')).extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    });

    it('closes a socket that sends no connection_init within WS_CONNECTION_INIT_TIMEOUT_MS (4408)', async () => {
      const socket = new WebSocket(t.wsUrl, 'graphql-transport-ws');
      const started = Date.now();
      const code = await new Promise<number>((resolve) => socket.once('close', (c) => resolve(c)));
      expect(code).toBe(4408);
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('refuses missing or bad credentials (4403) and a session cookie sent from another site', async () => {
      for (const who of [null, { apiKey: 'sk_nope' }]) {
        let closed = 0;
        const client = wsClient(t.wsUrl, who, { onClose: (c) => (closed = c) });
        await expect(subscribeAll(client, '{ viewer { role } }').done).rejects.toBeDefined();
        expect(closed).toBe(4403);
        await client.dispose();
      }
      // Cross-site WebSocket hijacking: a page elsewhere opening a socket with the user's cookie.
      const origin = new URL(t.url);
      const handshake = (originHeader: string) =>
        new Promise<number>((resolve) => {
          const socket = new WebSocket(t.wsUrl, 'graphql-transport-ws', { headers: { cookie: viewerCookie, origin: originHeader } });
          socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
          socket.on('message', (data) => {
            if (JSON.parse(String(data)).type === 'connection_ack') socket.close(1000);
          });
          socket.once('close', (c) => resolve(c));
        });
      expect(await handshake('https://evil.example')).toBe(4403);
      expect(await handshake(`http://${origin.host}`)).toBe(1000);
    });

    it('closes a socket whose message exceeds 1 MiB (1009)', async () => {
      const socket = new WebSocket(t.wsUrl, 'graphql-transport-ws');
      await new Promise((resolve) => socket.once('open', resolve));
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${auth.apiKey}`, pad: 'x'.repeat(1024 * 1024) } }));
      const code = await new Promise<number>((resolve) => socket.once('close', (c) => resolve(c)));
      expect(code).toBe(1009);
    });
  });

  describe('request bodies', () => {
    it('answers 413 PAYLOAD_TOO_LARGE (GraphQL shape) for a /graphql body over 1 MB, not a 500', async () => {
      const res = await fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${auth.apiKey}` },
        body: JSON.stringify({ query: '{ viewer { role } }', variables: { pad: 'x'.repeat(1024 * 1024) } }),
      });
      expect(res.status).toBe(413);
      const body = (await res.json()) as { errors: WireError[] };
      expect(body.errors[0].extensions?.code).toBe('PAYLOAD_TOO_LARGE');
      expect(body.errors[0].message).toContain('1 MB');
    });

    it('answers 413 for a sign-in body over 16 KB and 400 for JSON that does not parse', async () => {
      const big = await fetch(`${t.url}/auth/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: admin.email, password: 'x'.repeat(20_000) }),
      });
      expect(big.status).toBe(413);
      expect(((await big.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
      const broken = await fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${auth.apiKey}` },
        body: '{"query": ',
      });
      expect(broken.status).toBe(400);
      expect(((await broken.json()) as { errors: WireError[] }).errors[0].extensions?.code).toBe('BAD_REQUEST');
    });
  });

  describe('rate limits', () => {
    it('batch creation: BATCH_CREATE_RATE_LIMIT per platform, aliases counted, 429 with Retry-After', async () => {
      const create = (who: { apiKey: string } | { cookie: string }, times = 1) =>
        gql(
          t.url,
          who,
          `mutation { ${Array.from({ length: times }, (_, i) => `c${i}: createUploadBatch(input: {}) { batch { id } }`).join(' ')} }`,
        );
      // A viewer is refused by the resolver and uses up nothing.
      expect((await create({ cookie: viewerCookie })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
      expect((await create(auth, 2)).errors).toBeUndefined();
      expect((await create(auth)).errors).toBeUndefined();
      const res = await fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${auth.apiKey}` },
        body: JSON.stringify({ query: 'mutation { createUploadBatch(input: {}) { batch { id } } }' }),
      });
      expect(res.status).toBe(429);
      const retryAfter = Number(res.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(600);
      const body = (await res.json()) as { data?: unknown; errors: WireError[] };
      expect(body.data ?? null).toBeNull();
      expect(body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: retryAfter });
      expect(body.errors[0].message).toMatch(/at most 3 every 10 minutes.*Try again in \d+ seconds/);
      // Other operations and other platforms are not affected.
      expect((await gql(t.url, auth, '{ viewer { role } }')).errors).toBeUndefined();
      expect((await create(other)).errors).toBeUndefined();
      // The same allowance over graphql-ws.
      const client = wsClient(t.wsUrl, auth);
      const overWs = await subscribeAll(client, 'mutation { createUploadBatch(input: {}) { batch { id } } }').done.catch((e: Error) => e.message);
      await client.dispose();
      expect(String(overWs)).toContain('RATE_LIMITED');
    });

    it('sign-in: SIGN_IN_RATE_LIMIT failures per IP and email, then 429 even for the right password', async () => {
      const attempt = (email: string, password: string) =>
        fetch(`${t.url}/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
      // A success clears the count.
      expect((await attempt(admin.email, 'wrong-1')).status).toBe(401);
      expect((await attempt(admin.email, 'wrong-2')).status).toBe(401);
      expect((await attempt(admin.email, admin.password)).status).toBe(200);
      for (let i = 0; i < 3; i++) expect((await attempt(admin.email, `wrong-${i}`)).status).toBe(401);
      const blocked = await attempt(admin.email.toUpperCase(), admin.password);
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(blocked.headers.get('set-cookie')).toBeNull();
      const body = (await blocked.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('RATE_LIMITED');
      expect(body.error.message).toMatch(/Too many failed sign-ins.*Try again in \d+ seconds/);
      // Another email from the same address is still allowed.
      expect((await attempt('someone.else@limits.example', 'wrong')).status).toBe(401);
    });
  });

  describe('protections that stay on', () => {
    it('CSRF prevention: form-like POSTs and plain GETs carrying the session cookie are refused', async () => {
      const cookie = viewerCookie;
      const form = await fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', cookie },
        body: JSON.stringify({ query: '{ viewer { email } }' }),
      });
      expect(form.status).toBe(400);
      expect(await form.text()).toMatch(/Cross-Site Request Forgery/);
      const get = await fetch(`${t.url}/graphql?query=${encodeURIComponent('{ viewer { email } }')}`, { headers: { cookie } });
      expect(get.status).toBe(400);
      expect(await get.text()).not.toContain('viewer@limits.example');
    });

    it('introspection: open to authenticated callers only', async () => {
      const anonymous = await gql(t.url, null, '{ __schema { queryType { name } } }');
      expect(anonymous.status).toBe(401);
      expect(anonymous.data).toBeUndefined();
      const known = await gqlData<{ __schema: { queryType: { name: string } } }>(t.url, auth, '{ __schema { queryType { name } } }');
      expect(known.__schema.queryType.name).toBe('Query');
    });

    it('secure cookies: Secure with COOKIE_SECURE=true, and by default in production', async () => {
      expect(parseEnv({ NODE_ENV: 'production' }).cookieSecure).toBe(true);
      expect(parseEnv({ NODE_ENV: 'production', COOKIE_SECURE: 'false' }).cookieSecure).toBe(false);
      const secure = await startTestApp({ COOKIE_SECURE: 'true' });
      try {
        const p = await secure.platform('Secure Cookie Co', 0);
        const res = await fetch(`${secure.url}/auth/sign-in`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: p.admin.email, password: p.admin.password }),
        });
        expect(res.status).toBe(200);
        expect(res.headers.get('set-cookie')).toMatch(/;\s*Secure/i);
        expect(res.headers.get('set-cookie')).toMatch(/HttpOnly/i);
      } finally {
        await secure.stop();
      }
    });
  });

  it('never logs a secret: passwords, API keys, session tokens, webhook secrets, download tokens', { timeout: 120_000 }, async () => {
    const database = await createTestDatabase();
    const direct = await openDirect(database.url);
    const server = await spawnServer(childSettings(database.url, { LOG_LEVEL: 'trace' }));
    try {
      const p = await createPlatform(direct.orm.em.fork(), direct.db, { name: 'Quiet Logs Co', accounts: 5 });
      const key = { apiKey: p.apiKey };
      const secrets: string[] = [p.apiKey, p.admin.password];
      // Sign-in: a wrong password, then the right one (its session token).
      const wrongPassword = 'Wrong-Secret-Password-4711';
      secrets.push(wrongPassword);
      const signInWith = (password: string) =>
        fetch(`${server.url}/auth/sign-in`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: p.admin.email, password }),
        });
      expect((await signInWith(wrongPassword)).status).toBe(401);
      const ok = await signInWith(p.admin.password);
      const cookie = (ok.headers.get('set-cookie') ?? '').split(';')[0];
      secrets.push(cookie.split('=')[1]);
      expect((await gql(server.url, { cookie }, '{ viewer { email } }')).errors).toBeUndefined();
      // API keys, good and bad, over HTTP and graphql-ws.
      const badKey = 'sk_notarealkeybutstillasecret0123456789';
      secrets.push(badKey);
      expect((await gql(server.url, { apiKey: badKey }, '{ viewer { role } }')).status).toBe(401);
      const ws = wsClient(`${server.url.replace('http', 'ws')}/graphql`, key);
      await subscribeAll(ws, '{ viewer { role } }').done;
      await ws.dispose();
      // Webhook secrets, at creation and rotation.
      const created = await gqlData<{ createWebhookEndpoint: { secret: string; endpoint: { id: string } } }>(
        server.url,
        key,
        'mutation { createWebhookEndpoint(input: { url: "http://127.0.0.1:9/quiet" }) { secret endpoint { id } } }',
      );
      const rotated = await gqlData<{ rotateWebhookEndpointSecret: { secret: string } }>(
        server.url,
        key,
        'mutation($id: ID!) { rotateWebhookEndpointSecret(id: $id) { secret } }',
        { id: created.createWebhookEndpoint.endpoint.id },
      );
      secrets.push(created.createWebhookEndpoint.secret, rotated.rotateWebhookEndpointSecret.secret);
      // A signed download link.
      const template = await gqlData<{ emailTemplate: { url: string } }>(server.url, key, '{ emailTemplate { url } }');
      expect((await fetch(template.emailTemplate.url)).status).toBe(200);
      secrets.push(new URL(template.emailTemplate.url).searchParams.get('token') ?? '');
      await gql(server.url, { cookie }, 'mutation { createUploadBatch(input: {}) { batch { id } } }');
      await fetch(`${server.url}/auth/sign-out`, { method: 'POST', headers: { cookie } });

      expect(server.logs.length).toBeGreaterThan(5);
      const logs = server.logs.join('\n');
      // Whole secrets, and their tails (a truncated or re-encoded copy still leaks).
      const found = secrets.flatMap((secret) => [secret, secret.slice(-16)]).filter((s) => s.length >= 12 && logs.includes(s));
      expect(found).toEqual([]);
    } finally {
      await server.kill('SIGTERM');
      await direct.close();
      await database.drop();
    }
  });
});
