import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { gql, signIn, subscribeAll, wsClient } from '../support/graphql.js';
import { createUser } from '../../server/src/modules/auth/auth.service.js';
import { Role } from '../../server/src/modules/auth/dashboard-user.entity.js';

describe('authentication', () => {
  let t: TestApp;
  let acme: Awaited<ReturnType<TestApp['platform']>>;
  let viewer: { email: string; password: string };

  beforeAll(async () => {
    t = await startTestApp();
    acme = await t.platform('Acme', 10);
    viewer = await createUser(t.app.services.orm.em.fork(), {
      platformId: acme.platformId,
      email: 'Viewer@Acme.example',
      role: Role.VIEWER,
    });
  });
  afterAll(() => t.stop());

  it('answers an API key over HTTP with its platform and the ADMIN role', async () => {
    const r = await gql(t.url, { apiKey: acme.apiKey }, '{ viewer { platform { id name } role kind email } }');
    expect(r.status).toBe(200);
    expect(r.data).toEqual({
      viewer: { platform: { id: acme.platformId, name: 'Acme' }, role: 'ADMIN', kind: 'API_KEY', email: null },
    });
  });

  it('refuses a missing, malformed or unknown key with 401 UNAUTHENTICATED', async () => {
    for (const headers of [
      {} as Record<string, string>,
      { authorization: 'Bearer sk_doesnotexist' },
      { authorization: 'Basic abc' },
      { authorization: `Bearer ${acme.apiKey}x` },
    ]) {
      const res = await fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query: '{ viewer { role } }' }),
      });
      expect(res.status).toBe(401);
      const body = (await res.json()) as { errors: Array<{ extensions: { code: string } }>; data?: unknown };
      expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(body.data).toBeUndefined();
    }
  });

  it('signs a dashboard user in with an httpOnly SameSite=Lax cookie and out again', async () => {
    const res = await fetch(`${t.url}/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: acme.admin.email, password: acme.admin.password }),
    });
    expect(res.status).toBe(200);
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^cc_session=[A-Za-z0-9]{43};/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    const cookie = setCookie.split(';')[0];

    const me = await gql(t.url, { cookie }, '{ viewer { role kind email platform { id } } }');
    expect(me.data).toEqual({
      viewer: { role: 'ADMIN', kind: 'USER', email: acme.admin.email, platform: { id: acme.platformId } },
    });

    const out = await fetch(`${t.url}/auth/sign-out`, { method: 'POST', headers: { cookie } });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/cc_session=;/);
    const after = await gql(t.url, { cookie }, '{ viewer { role } }');
    expect(after.status).toBe(401);
    expect(after.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a wrong password and an unknown email with the same answer', async () => {
    const answers = [];
    for (const body of [
      { email: acme.admin.email, password: 'wrong' },
      { email: 'nobody@nowhere.example', password: 'wrong' },
    ]) {
      const res = await fetch(`${t.url}/auth/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      answers.push({ status: res.status, body: await res.json(), cookie: res.headers.get('set-cookie') });
    }
    expect(answers[0]).toEqual({
      status: 401,
      body: { error: { code: 'UNAUTHENTICATED', message: 'Wrong email or password.' } },
      cookie: null,
    });
    expect(answers[1]).toEqual(answers[0]);
  });

  it('treats emails case-insensitively at sign-in and knows a viewer is a VIEWER', async () => {
    const cookie = await signIn(t.url, 'VIEWER@acme.EXAMPLE', viewer.password);
    const me = await gql(t.url, { cookie }, '{ viewer { role email } }');
    expect(me.data).toEqual({ viewer: { role: 'VIEWER', email: 'viewer@acme.example' } });
  });

  it('refuses a sign-in that is not JSON (no cross-site form posts)', async () => {
    const res = await fetch(`${t.url}/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `email=${encodeURIComponent(acme.admin.email)}&password=${encodeURIComponent(acme.admin.password)}`,
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('accepts graphql-ws with the key in connectionParams and with the session cookie', async () => {
    const viaKey = wsClient(t.wsUrl, { apiKey: acme.apiKey });
    const r1 = subscribeAll<{ viewer: { role: string } }>(viaKey, '{ viewer { role platform { id } } }');
    expect(await r1.done).toEqual([{ viewer: { role: 'ADMIN', platform: { id: acme.platformId } } }]);
    await viaKey.dispose();

    const cookie = await signIn(t.url, viewer.email, viewer.password);
    const viaCookie = wsClient(t.wsUrl, { cookie });
    const r2 = subscribeAll<{ viewer: { role: string } }>(viaCookie, '{ viewer { role } }');
    expect(await r2.done).toEqual([{ viewer: { role: 'VIEWER' } }]);
    await viaCookie.dispose();
  });

  it('closes graphql-ws with 4403 for missing or bad credentials', async () => {
    for (const auth of [null, { apiKey: 'sk_nope' }]) {
      let closeCode = 0;
      const client = wsClient(t.wsUrl, auth, { onClose: (code) => (closeCode = code) });
      const r = subscribeAll(client, '{ viewer { role } }');
      await expect(r.done).rejects.toBeDefined();
      expect(closeCode).toBe(4403);
      await client.dispose();
    }
  });

  it('serves health and readiness without credentials', async () => {
    expect(await (await fetch(`${t.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${t.url}/readyz`)).json()).toEqual({ status: 'ready' });
  });
});
