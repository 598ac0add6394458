import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../server/src/modules/auth/auth.service.js';
import { Role } from '../../server/src/modules/auth/dashboard-user.entity.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { type Auth, gql, gqlData, signIn } from '../support/graphql.js';
import { openSubscription, within } from './helpers.js';

const KEY_FIELDS = 'id name prefix createdAt createdBy lastUsedAt revokedAt';

interface Key {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  createdBy: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

describe('API keys over GraphQL (createApiKey, apiKeys, revokeApiKey)', () => {
  let t: TestApp;
  let acme: Awaited<ReturnType<TestApp['platform']>>;
  let admin: Auth;
  let viewer: Auth;
  let other: Auth;

  beforeAll(async () => {
    t = await startTestApp();
    acme = await t.platform('Keys Co', 5);
    admin = { cookie: await signIn(t.url, acme.admin.email, acme.admin.password) };
    const v = await createUser(t.app.services.orm.em.fork(), { platformId: acme.platformId, email: 'viewer@keys.example', role: Role.VIEWER });
    viewer = { cookie: await signIn(t.url, v.email, v.password) };
    other = { apiKey: (await t.platform('Other Keys Co', 1)).apiKey };
  });
  afterAll(() => t.stop());

  const create = (auth: Auth, name: string) =>
    gql<{ createApiKey: { secret: string; apiKey: Key } }>(
      t.url,
      auth,
      `mutation($name: String!) { createApiKey(input: { name: $name }) { secret apiKey { ${KEY_FIELDS} } } }`,
      { name },
    );
  const list = async (auth: Auth) => (await gqlData<{ apiKeys: Key[] }>(t.url, auth, `{ apiKeys { ${KEY_FIELDS} } }`)).apiKeys;

  it('creates a named key whose secret is shown once and works; the list shows prefix, creator, created, last used', async () => {
    const r = await create(admin, '  Billing sync  ');
    expect(r.errors).toBeUndefined();
    const { secret, apiKey } = r.data!.createApiKey;
    expect(secret).toMatch(/^sk_[A-Za-z0-9]{40}$/);
    expect(apiKey).toMatchObject({ name: 'Billing sync', prefix: secret.slice(0, 10), createdBy: acme.admin.email, lastUsedAt: null, revokedAt: null });

    const me = await gqlData<{ viewer: { kind: string; platform: { id: string } } }>(t.url, { apiKey: secret }, '{ viewer { kind platform { id } } }');
    expect(me.viewer).toEqual({ kind: 'API_KEY', platform: { id: acme.platformId } });

    // Last use is written in the background, about a second later.
    let listed: Key | undefined;
    for (let i = 0; i < 40 && !listed?.lastUsedAt; i++) {
      await new Promise((done) => setTimeout(done, 100));
      listed = (await list(admin)).find((k) => k.id === apiKey.id);
    }
    expect(listed?.lastUsedAt).not.toBeNull();
    // Newest first, the seeded key (no name yet) last; the secret is nowhere in the list.
    const keys = await list(admin);
    expect(keys[0].id).toBe(apiKey.id);
    expect(keys.at(-1)?.name).toBe('Unnamed key');
    expect(JSON.stringify(keys)).not.toContain(secret);
  });

  it('refuses a blank or over-long name with BAD_USER_INPUT, and a viewer with FORBIDDEN', async () => {
    expect((await create(admin, '   ')).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((await create(admin, 'x'.repeat(101))).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((await create(viewer, 'nope')).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await gql(t.url, viewer, '{ apiKeys { id } }')).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('revokes at once: the next HTTP request is 401 and an open graphql-ws subscription closes 4403 within a second', async () => {
    const { secret, apiKey } = (await create(admin, 'Leaked')).data!.createApiKey;
    const sub = await openSubscription(t.url, t.wsUrl, { apiKey: secret });
    const started = Date.now();
    const revoked = await gqlData<{ revokeApiKey: Key }>(t.url, admin, `mutation($id: ID!) { revokeApiKey(id: $id) { ${KEY_FIELDS} } }`, {
      id: apiKey.id,
    });
    expect(revoked.revokeApiKey.revokedAt).not.toBeNull();
    expect(await within(sub.closed, 1000)).toBe(4403);
    expect(Date.now() - started).toBeLessThan(1000);

    const after = await gql(t.url, { apiKey: secret }, '{ viewer { role } }');
    expect(after.status).toBe(401);
    expect(after.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    // A new socket with the revoked key is refused too.
    const again = await within(openSubscription(t.url, t.wsUrl, { apiKey: secret }).catch(() => 'refused'), 2000);
    expect(again).toBe('refused');
    // Revoking twice is harmless and keeps the first time.
    const twice = await gqlData<{ revokeApiKey: Key }>(t.url, admin, `mutation($id: ID!) { revokeApiKey(id: $id) { ${KEY_FIELDS} } }`, {
      id: apiKey.id,
    });
    expect(twice.revokeApiKey.revokedAt).toBe(revoked.revokeApiKey.revokedAt);
    // Other keys of the platform keep working.
    expect((await gql(t.url, { apiKey: acme.apiKey }, '{ viewer { role } }')).status).toBe(200);
  });

  it("answers another platform's key id with NOT_FOUND, exactly like a missing one", async () => {
    const { apiKey } = (await create(admin, 'Mine')).data!.createApiKey;
    for (const id of [apiKey.id, 'key_doesnotexist']) {
      const r = await gql(t.url, other, 'mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id });
      expect(r.errors?.[0].extensions?.code).toBe('NOT_FOUND');
      expect(r.errors?.[0].message).toBe('API key not found.');
    }
    expect((await list(admin)).find((k) => k.id === apiKey.id)?.revokedAt).toBeNull();
  });
});
