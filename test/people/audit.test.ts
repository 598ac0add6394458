import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The app first: it loads reflect-metadata, which the server's GraphQL modules need at import.
import { startTestApp, type TestApp } from '../support/app.js';
import { AUDIT_ACTIONS } from '../../server/src/modules/audit/audit.actions.js';
import { recordAudit } from '../../server/src/modules/audit/audit.store.js';
import { type Auth, gql, gqlData, signIn } from '../support/graphql.js';
import { Receiver } from '../webhooks/receiver.js';
import { setPassword, tokenOf } from './helpers.js';

interface Entry {
  id: string;
  at: string;
  actor: string | null;
  action: string;
  target: string | null;
  details: string | null;
}
interface Page {
  auditLog: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { cursor: string; node: Entry }[] };
}

const PAGE = `query($first: Int, $after: String, $action: String, $actor: String) {
  auditLog(first: $first, after: $after, action: $action, actor: $actor) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id at actor action target details } }
  }
}`;

describe('audit log', () => {
  let t: TestApp;
  let receiver: Receiver;
  let acme: Awaited<ReturnType<TestApp['platform']>>;
  let admin: Auth;
  const secrets: string[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    receiver = await Receiver.start();
    acme = await t.platform('Audit Co', 5);
    admin = { cookie: await signIn(t.url, acme.admin.email, acme.admin.password) };
    secrets.push(acme.apiKey);

    // Every change that exists today, by a person and by a key.
    const key = await gqlData<{ createApiKey: { secret: string; apiKey: { id: string } } }>(
      t.url,
      admin,
      'mutation { createApiKey(input: { name: "CI" }) { secret apiKey { id } } }',
    );
    secrets.push(key.createApiKey.secret);
    const byKey = { apiKey: key.createApiKey.secret };
    const endpoint = await gqlData<{ createWebhookEndpoint: { secret: string; endpoint: { id: string } } }>(
      t.url,
      byKey,
      'mutation($url: String!) { createWebhookEndpoint(input: { url: $url, description: "ERP" }) { secret endpoint { id } } }',
      { url: receiver.url },
    );
    secrets.push(endpoint.createWebhookEndpoint.secret);
    const id = endpoint.createWebhookEndpoint.endpoint.id;
    await gqlData(t.url, admin, 'mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: { enabled: false, description: "ERP (paused)" }) { id } }', { id });
    const rotated = await gqlData<{ rotateWebhookEndpointSecret: { secret: string } }>(
      t.url,
      admin,
      'mutation($id: ID!) { rotateWebhookEndpointSecret(id: $id) { secret } }',
      { id },
    );
    secrets.push(rotated.rotateWebhookEndpointSecret.secret);
    await gqlData(t.url, admin, 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', { id });
    const added = await gqlData<{ addMember: { setPasswordUrl: string; member: { id: string } } }>(
      t.url,
      admin,
      'mutation { addMember(input: { email: "ops@audit.example", role: VIEWER }) { setPasswordUrl member { id } } }',
    );
    secrets.push(tokenOf(added.addMember.setPasswordUrl));
    await setPassword(t.url, tokenOf(added.addMember.setPasswordUrl), 'a long and unusual passphrase');
    secrets.push('a long and unusual passphrase');
    await gqlData(t.url, admin, 'mutation($id: ID!) { updateMemberRole(id: $id, role: ADMIN) { id } }', { id: added.addMember.member.id });
    await gqlData(t.url, byKey, 'mutation($id: ID!) { removeMember(id: $id) }', { id: added.addMember.member.id });
    await gqlData(t.url, admin, 'mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: key.createApiKey.apiKey.id });
  });
  afterAll(async () => {
    await t.stop();
    await receiver.down();
  });

  it('records every change with actor, time, target and details, newest first', async () => {
    const page = await gqlData<Page>(t.url, admin, PAGE, { first: 50 });
    const entries = page.auditLog.edges.map((e) => e.node);
    const keyPrefix = secrets[1].slice(0, 10);
    expect(entries.map((e) => [e.action, e.actor])).toEqual([
      ['api_key.revoked', acme.admin.email],
      ['member.removed', keyPrefix],
      ['member.role_changed', acme.admin.email],
      ['member.password_set', 'ops@audit.example'],
      ['member.added', acme.admin.email],
      ['webhook_endpoint.deleted', acme.admin.email],
      ['webhook_endpoint.secret_rotated', acme.admin.email],
      ['webhook_endpoint.updated', acme.admin.email],
      ['webhook_endpoint.created', keyPrefix],
      ['api_key.created', acme.admin.email],
    ]);
    expect(page.auditLog.totalCount).toBe(10);
    const times = entries.map((e) => Date.parse(e.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const changed = entries.find((e) => e.action === 'member.role_changed');
    expect(changed?.target).toBe('ops@audit.example');
    expect(JSON.parse(changed?.details ?? '{}')).toMatchObject({ from: 'VIEWER', to: 'ADMIN' });
    const updated = entries.find((e) => e.action === 'webhook_endpoint.updated');
    expect(JSON.parse(updated?.details ?? '{}')).toMatchObject({
      enabled: { from: true, to: false },
      description: { from: 'ERP', to: 'ERP (paused)' },
    });
    expect(entries.find((e) => e.action === 'api_key.created')?.target).toBe(keyPrefix);
  });

  it('never contains a key, a webhook secret, a set-password token or a password', async () => {
    const page = await gqlData<Page>(t.url, admin, PAGE, { first: 200 });
    const text = JSON.stringify(page);
    for (const secret of secrets) expect(text).not.toContain(secret);
    const rows = await t.app.services.db.query('select * from audit_entry');
    const stored = JSON.stringify(rows);
    for (const secret of secrets) expect(stored).not.toContain(secret);
  });

  it('scrubs secrets a careless caller passes in details or target', async () => {
    const key = `sk_${'A'.repeat(40)}`;
    await t.app.services.db.transaction((tx) =>
      recordAudit(tx, {
        platformId: acme.platformId,
        actor: null,
        action: 'settings.updated',
        target: `endpoint with ${key}`,
        details: { secret: 'whsec_abcdefghijklmnop', nested: { password: 'hunter2', note: `copied ${key}` }, policy: 'ALWAYS' },
      }),
    );
    const page = await gqlData<Page>(t.url, admin, PAGE, { first: 1, action: 'settings.updated' });
    const entry = page.auditLog.edges[0].node;
    expect(entry.actor).toBeNull();
    expect(entry.target).toBe('endpoint with [redacted]');
    expect(JSON.parse(entry.details ?? '')).toEqual({ nested: { note: 'copied [redacted]' }, policy: 'ALWAYS' });
  });

  it('pages newest first with cursors, and filters by action and by actor', async () => {
    const all = (await gqlData<Page>(t.url, admin, PAGE, { first: 100 })).auditLog.edges.map((e) => e.node.id);
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Page = await gqlData<Page>(t.url, admin, PAGE, { first: 3, after });
      seen.push(...page.auditLog.edges.map((e) => e.node.id));
      if (!page.auditLog.pageInfo.hasNextPage) break;
      after = page.auditLog.pageInfo.endCursor;
    }
    expect(seen).toEqual(all);

    const byAction = await gqlData<Page>(t.url, admin, PAGE, { action: 'webhook_endpoint.updated' });
    expect(byAction.auditLog.totalCount).toBe(1);
    const prefix = secrets[1].slice(0, 10);
    const byActor = await gqlData<Page>(t.url, admin, PAGE, { actor: prefix });
    expect(byActor.auditLog.edges.map((e) => e.node.action)).toEqual(['member.removed', 'webhook_endpoint.created']);
    const actors = await gqlData<{ auditActors: string[]; auditActions: string[] }>(t.url, admin, '{ auditActors auditActions }');
    expect(actors.auditActors).toEqual(expect.arrayContaining([acme.admin.email, prefix, 'ops@audit.example']));
    expect(actors.auditActions).toEqual([...AUDIT_ACTIONS]);

    const unknown = await gql(t.url, admin, PAGE, { action: 'drop table' });
    expect(unknown.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('is for ADMINs of the platform only', async () => {
    const added = await gqlData<{ addMember: { setPasswordUrl: string; member: { email: string } } }>(
      t.url,
      admin,
      'mutation { addMember(input: { email: "viewer@audit.example", role: VIEWER }) { setPasswordUrl member { email } } }',
    );
    await setPassword(t.url, tokenOf(added.addMember.setPasswordUrl), 'another long passphrase');
    const viewer = { cookie: await signIn(t.url, 'viewer@audit.example', 'another long passphrase') };
    expect((await gql(t.url, viewer, PAGE, {})).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const other = await t.platform('Other Audit Co', 1);
    expect((await gqlData<Page>(t.url, { apiKey: other.apiKey }, PAGE, {})).auditLog.totalCount).toBe(0);
  });
});
