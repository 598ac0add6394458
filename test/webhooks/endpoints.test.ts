import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../server/src/modules/auth/auth.service.js';
import { Role } from '../../server/src/modules/auth/dashboard-user.entity.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { type Auth, gql, gqlData, signIn } from '../support/graphql.js';
import { createEndpoint, deliveries, ENDPOINT_FIELDS, type Endpoint, eligibleAccounts, emitEvent, getEndpoint } from './helpers.js';
import { Receiver, waitFor } from './receiver.js';

const FAST = { WEBHOOK_POLL_INTERVAL_MS: '50', WEBHOOK_RETRY_SCHEDULE: '0.1,0.2', WEBHOOK_TIMEOUT_MS: '1000' };

const MUTATIONS: Array<[string, string, (ids: { endpoint: string; event: string }) => Record<string, unknown>]> = [
  ['updateWebhookEndpoint', 'mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: { description: "x" }) { id } }', (i) => ({ id: i.endpoint })],
  ['deleteWebhookEndpoint', 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', (i) => ({ id: i.endpoint })],
  ['rotateWebhookEndpointSecret', 'mutation($id: ID!) { rotateWebhookEndpointSecret(id: $id) { secret } }', (i) => ({ id: i.endpoint })],
  [
    'resendWebhookEvent',
    'mutation($e: ID!, $v: ID!) { resendWebhookEvent(endpointId: $e, eventId: $v) { status } }',
    (i) => ({ e: i.endpoint, v: i.event }),
  ],
];

describe('webhook endpoints over GraphQL', () => {
  let t: TestApp;
  let auth: { apiKey: string };
  let other: { apiKey: string };
  let viewer: Auth;
  let receiver: Receiver;

  beforeAll(async () => {
    t = await startTestApp(FAST);
    receiver = await Receiver.start();
    const p = await t.platform('Endpoints Co', 20);
    auth = { apiKey: p.apiKey };
    other = { apiKey: (await t.platform('Other Co', 20)).apiKey };
    const v = await createUser(t.app.services.orm.em.fork(), { platformId: p.platformId, email: 'viewer@endpoints.example', role: Role.VIEWER });
    viewer = { cookie: await signIn(t.url, v.email, v.password) };
  });
  afterAll(async () => {
    await t.stop();
    await receiver.down();
  });

  it('creates an endpoint with a whsec_ secret shown once; lists, reads, updates and deletes it', async () => {
    const { endpoint, secret } = await createEndpoint(t.url, auth, { url: ` ${receiver.url} `, description: ' Orders sync ' });
    expect(endpoint).toMatchObject({
      id: expect.stringMatching(/^we_[A-Za-z0-9]{24}$/),
      url: receiver.url,
      description: 'Orders sync',
      enabled: true,
      enabledEvents: ['account.updated'],
      disabledReason: null,
      failingSince: null,
      previousSecretExpiresAt: null,
    });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64').length).toBeGreaterThanOrEqual(24);
    // The secret is not readable afterwards: the type has no such field.
    const type = await gqlData<{ __type: { fields: Array<{ name: string }> } }>(t.url, auth, '{ __type(name: "WebhookEndpoint") { fields { name } } }');
    expect(type.__type.fields.map((f) => f.name).filter((n) => /secret/i.test(n) && n !== 'previousSecretExpiresAt')).toEqual([]);

    const list = await gqlData<{ webhookEndpoints: Endpoint[] }>(t.url, auth, `{ webhookEndpoints { ${ENDPOINT_FIELDS} } }`);
    expect(list.webhookEndpoints.map((e) => e.id)).toContain(endpoint.id);

    const updated = await gqlData<{ updateWebhookEndpoint: Endpoint }>(
      t.url,
      auth,
      `mutation($id: ID!, $input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(id: $id, input: $input) { ${ENDPOINT_FIELDS} } }`,
      { id: endpoint.id, input: { url: `${receiver.url}?v=2`, description: '', enabledEvents: ['account.updated', 'account.updated'] } },
    );
    expect(updated.updateWebhookEndpoint).toMatchObject({ url: `${receiver.url}?v=2`, description: null, enabledEvents: ['account.updated'] });

    const disabled = await gqlData<{ updateWebhookEndpoint: Endpoint }>(
      t.url,
      auth,
      `mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: { enabled: false }) { ${ENDPOINT_FIELDS} } }`,
      { id: endpoint.id },
    );
    expect(disabled.updateWebhookEndpoint).toMatchObject({ enabled: false, disabledReason: 'Disabled by a user.' });

    const del = await gqlData<{ deleteWebhookEndpoint: boolean }>(t.url, auth, 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', {
      id: endpoint.id,
    });
    expect(del.deleteWebhookEndpoint).toBe(true);
    expect(await getEndpoint(t.url, auth, endpoint.id)).toBeNull();
    const again = await gql(t.url, auth, 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', { id: endpoint.id });
    expect(again.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('refuses bad input with BAD_USER_INPUT', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ url: 'ftp://example.com/x' }, /https:\/\/ or http:\/\//],
      [{ url: 'not a url' }, /not valid/],
      [{ url: 'https://u:p@example.com/' }, /user name or password/],
      [{ url: receiver.url, enabledEvents: ['account.deleted'] }, /Unknown event type account\.deleted/],
      [{ url: receiver.url, enabledEvents: [] }, /at least one event type/],
      [{ url: receiver.url, description: 'x'.repeat(501) }, /longer than 500/],
    ];
    for (const [input, message] of cases) {
      const r = await gql(t.url, auth, 'mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }', {
        input,
      });
      expect(r.errors?.[0].extensions?.code, JSON.stringify(input)).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0].message).toMatch(message);
    }
  });

  it('viewers can look but not change; mutations are ADMIN only', async () => {
    const { endpoint } = await createEndpoint(t.url, auth, { url: receiver.url });
    const [account] = await eligibleAccounts(t.url, auth, 1);
    const event = await emitEvent(t.url, auth, account.id);
    const seen = await gqlData<{ webhookEndpoints: Endpoint[]; events: { totalCount: number } }>(
      t.url,
      viewer,
      '{ webhookEndpoints { id } events { totalCount } }',
    );
    expect(seen.webhookEndpoints.map((e) => e.id)).toContain(endpoint.id);
    expect(seen.events.totalCount).toBeGreaterThan(0);
    const create = await gql(t.url, viewer, 'mutation { createWebhookEndpoint(input: { url: "https://example.com/x" }) { secret } }');
    expect(create.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    for (const [name, query, vars] of MUTATIONS) {
      const r = await gql(t.url, viewer, query, vars({ endpoint: endpoint.id, event }));
      expect(r.errors?.[0].extensions?.code, name).toBe('FORBIDDEN');
    }
    expect(await getEndpoint(t.url, auth, endpoint.id)).not.toBeNull();
  });

  it('tenant isolation: another platform’s endpoints and events look exactly like missing ones', async () => {
    const { endpoint } = await createEndpoint(t.url, auth, { url: receiver.url });
    const [account] = await eligibleAccounts(t.url, auth, 1);
    const event = await emitEvent(t.url, auth, account.id);
    await waitFor(async () => (await deliveries(t.url, auth, endpoint.id)).some((d) => d.eventId === event));

    const theirs = await gqlData<{ webhookEndpoints: Endpoint[]; webhookEndpoint: Endpoint | null; event: unknown; events: { totalCount: number } }>(
      t.url,
      other,
      `query($id: ID!, $ev: ID!) { webhookEndpoints { id } webhookEndpoint(id: $id) { id } event(id: $ev) { id } events { totalCount } }`,
      { id: endpoint.id, ev: event },
    );
    expect(theirs).toEqual({ webhookEndpoints: [], webhookEndpoint: null, event: null, events: { totalCount: 0 } });

    const own = await createEndpoint(t.url, other, { url: receiver.url });
    for (const [name, query, vars] of MUTATIONS) {
      const foreign = await gql(t.url, other, query, vars({ endpoint: endpoint.id, event }));
      const missing = await gql(t.url, other, query, vars({ endpoint: 'we_doesnotexist000000000000', event }));
      expect(foreign.errors?.[0].extensions?.code, name).toBe('NOT_FOUND');
      expect(foreign.errors?.[0].message).toBe(missing.errors?.[0].message);
    }
    // Their own endpoint cannot be made to carry our event either.
    const resend = await gql(t.url, other, 'mutation($e: ID!, $v: ID!) { resendWebhookEvent(endpointId: $e, eventId: $v) { status } }', {
      e: own.endpoint.id,
      v: event,
    });
    expect(resend.errors?.[0]).toMatchObject({ message: 'Event not found.', extensions: { code: 'NOT_FOUND' } });
    expect(await getEndpoint(t.url, auth, endpoint.id)).toMatchObject({ enabled: true, description: null });
    expect(await deliveries(t.url, other, own.endpoint.id)).toEqual([]);
  });

  it('events: newest first, Relay pages, filter by type', async () => {
    const p = await t.platform('Events Co', 10);
    const a = { apiKey: p.apiKey };
    const accounts = await eligibleAccounts(t.url, a, 5);
    const ids: string[] = [];
    for (const acc of accounts) ids.push(await emitEvent(t.url, a, acc.id));
    type Page = { events: { totalCount: number; edges: Array<{ cursor: string; node: { id: string; type: string; accountId: string; payload: string; createdAt: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string } } };
    const q = 'query($after: String, $type: String) { events(first: 2, after: $after, type: $type) { totalCount edges { cursor node { id type accountId payload createdAt } } pageInfo { hasNextPage endCursor } } }';
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Page = await gqlData<Page>(t.url, a, q, { after });
      expect(page.events.totalCount).toBe(5);
      seen.push(...page.events.edges.map((e) => e.node.id));
      if (!page.events.pageInfo.hasNextPage) break;
      after = page.events.pageInfo.endCursor;
    }
    expect(seen).toEqual([...ids].reverse());
    const first = await gqlData<Page>(t.url, a, q, {});
    const node = first.events.edges[0].node;
    expect(node).toMatchObject({ id: ids[4], type: 'account.updated', accountId: accounts[4].id });
    expect(JSON.parse(node.payload)).toMatchObject({ id: ids[4], type: 'account.updated' });
    const none = await gqlData<Page>(t.url, a, q, { type: 'account.created' });
    expect(none.events).toMatchObject({ totalCount: 0, edges: [] });
    const typed = await gqlData<Page>(t.url, a, q, { type: 'account.updated' });
    expect(typed.events.totalCount).toBe(5);
  });

  it('caps the endpoints of a platform', async () => {
    const p = await t.platform('Many Co', 1);
    const a = { apiKey: p.apiKey };
    for (let i = 0; i < 20; i++) await createEndpoint(t.url, a, { url: `${receiver.url}?n=${i}` });
    const r = await gql(t.url, a, 'mutation($u: String!) { createWebhookEndpoint(input: { url: $u }) { secret } }', { u: receiver.url });
    expect(r.errors?.[0].extensions?.code).toBe('CONFLICT');
  });
});

describe('URL policy with WEBHOOK_ALLOW_PRIVATE=false', () => {
  let t: TestApp;
  let auth: { apiKey: string };
  let receiver: Receiver;
  beforeAll(async () => {
    t = await startTestApp({ ...FAST, WEBHOOK_ALLOW_PRIVATE: 'false' });
    receiver = await Receiver.start();
    auth = { apiKey: (await t.platform('Policy Co', 10)).apiKey };
  });
  afterAll(async () => {
    await t.stop();
    await receiver.down();
  });

  it('refuses URLs that resolve to private, loopback, link-local, unspecified or multicast addresses', async () => {
    const refused: Array<[string, RegExp]> = [
      [receiver.url, /127\.0\.0\.1 is a loopback address/],
      ['http://localhost:8080/hook', /localhost \((127\.0\.0\.1|::1)\) is a loopback address/],
      ['http://[::1]/hook', /loopback/],
      ['https://10.1.2.3/hook', /private/],
      ['https://192.168.0.10/hook', /private/],
      ['http://169.254.169.254/latest/meta-data', /link-local/],
      ['http://0.0.0.0/', /unspecified/],
      ['http://224.0.0.1/', /multicast/],
      ['http://[::ffff:127.0.0.1]/', /loopback/],
    ];
    for (const [url, reason] of refused) {
      const r = await gql(t.url, auth, 'mutation($u: String!) { createWebhookEndpoint(input: { url: $u }) { secret } }', { u: url });
      expect(r.errors?.[0].extensions?.code, url).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0].message, url).toMatch(reason);
    }
  });

  it('accepts a public address, refuses a private one on update, and re-checks at delivery time', async () => {
    const { endpoint } = await createEndpoint(t.url, auth, { url: 'https://93.184.215.14/hook' });
    const upd = await gql(t.url, auth, 'mutation($id: ID!, $u: String!) { updateWebhookEndpoint(id: $id, input: { url: $u }) { id } }', {
      id: endpoint.id,
      u: receiver.url,
    });
    expect(upd.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');

    // DNS can change after the check (rebinding): a name that now resolves to
    // loopback, or a stored private literal, is refused at connection time.
    const [a, b] = await eligibleAccounts(t.url, auth, 2);
    const port = new URL(receiver.url).port;
    for (const [url, account] of [
      [`http://localhost:${port}/hook`, a],
      [`http://127.0.0.1:${port}/hook`, b],
    ] as const) {
      await t.app.services.db.execute('update webhook_endpoint set url = $1 where id = $2', [url, endpoint.id]);
      const event = await emitEvent(t.url, auth, account.id);
      const d = await waitFor(async () => (await deliveries(t.url, auth, endpoint.id)).find((x) => x.eventId === event && x.attempts > 0));
      expect(d.lastStatusCode).toBeNull();
      expect(d.lastError).toMatch(/^Refused: .*loopback address/);
    }
    expect(receiver.requests).toHaveLength(0);
  });
});
