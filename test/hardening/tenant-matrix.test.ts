import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphqlRuntime } from '../../server/src/http/graphql-runtime.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { HEADER, authHeaders, createBatch, putFile, uploadAndValidate, waitForStatus } from '../support/flow.js';
import { type Auth, type GqlResult, gql, gqlData, subscribeAll, wsClient } from '../support/graphql.js';

/**
 * Platform B's credentials against platform A's objects, for every root field of the schema and
 * every plain HTTP route: B gets nothing (null, an empty list, NOT_FOUND, 404), and the answer is
 * the same, byte for byte once ids are blanked, as for an id that exists nowhere. The list of
 * operations comes from schema/schema.graphql: a field added to the schema without an entry here
 * fails the first test.
 */

const SCHEMA = join(import.meta.dirname, '../../schema/schema.graphql');

const MISSING = {
  account: 'acct_doesnotexist0',
  batch: 'ub_doesnotexist00000000000',
  endpoint: 'we_doesnotexist00000000000',
  event: 'evt_doesnotexist0000000000',
  apiKey: 'key_doesnotexist00000000000',
  member: 'usr_doesnotexist00000000000',
};

interface Objects {
  auth: { apiKey: string };
  platformId: string;
  accountId: string;
  accountEmail: string | null;
  validatedBatch: string;
  completedBatch: string;
  awaitingBatch: { id: string; uploadUrl: string };
  idempotencyKey: string;
  endpointId: string;
  eventId: string;
  apiKeyId: string;
  apiKeyPrefix: string;
  adminId: string;
  adminEmail: string;
}

/** A response with every occurrence of `ids` replaced, to compare "elsewhere" with "nowhere". */
function blank(value: unknown, ids: string[]): string {
  let text = JSON.stringify(value);
  for (const id of ids) text = text.replaceAll(id, '<id>');
  return text;
}

describe('cross-tenant matrix: platform B against platform A', () => {
  let t: TestApp;
  let a: Objects;
  let b: Objects;

  /** B runs the same operation on A's id and on a missing id: both must come back empty and identical. */
  async function sameAsMissing(query: string, vars: (id: string) => Record<string, unknown>, theirs: string, missing: string) {
    const elsewhere = await gql(t.url, b.auth, query, vars(theirs));
    const nowhere = await gql(t.url, b.auth, query, vars(missing));
    expect(blank(elsewhere, [theirs]), 'A’s object must look like a missing one').toBe(blank(nowhere, [missing]));
    return elsewhere;
  }
  const nothing = (r: GqlResult, field: string) => {
    expect(r.errors).toBeUndefined();
    expect(r.data?.[field]).toBeNull();
  };
  const notFound = (r: GqlResult) => {
    expect(r.data ?? null).toBeNull();
    expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
  };

  async function setUpPlatform(name: string): Promise<Objects> {
    const p = await t.platform(name, 30);
    const auth = { apiKey: p.apiKey };
    const accounts = await t.app.services.db.query<{ id: string; email: string | null }>(
      `select id, email from connected_account where platform_id = $1 and status not in ('closed', 'rejected') order by id`,
      [p.platformId],
    );
    // An endpoint before the apply, so that it has deliveries.
    const endpoint = await gqlData<{ createWebhookEndpoint: { endpoint: { id: string } } }>(
      t.url,
      auth,
      'mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } secret } }',
      { input: { url: 'http://127.0.0.1:9/hooks', description: `${name} hook` } },
    );
    const completed = await uploadAndValidate(t.url, auth, `${HEADER}\n${accounts[1].id},,,,applied.${name.length}@tenant.example,✗\n`);
    await gqlData(t.url, auth, 'mutation($id: ID!) { confirmUploadBatch(id: $id) { status } }', { id: completed.id });
    await waitForStatus(t.url, auth, completed.id, ['COMPLETED']);
    const validated = await uploadAndValidate(t.url, auth, `${HEADER}\n${accounts[2].id},,,,pending@tenant.example,✗\n`);
    const key = `key-${name}`;
    const awaiting = await createBatch(t.url, auth, { filename: 'awaiting.csv', idempotencyKey: key });
    const events = await gqlData<{ events: { edges: Array<{ node: { id: string } }> } }>(t.url, auth, '{ events(first: 1) { edges { node { id } } } }');
    const [apiKey] = await t.app.services.db.query<{ id: string; prefix: string }>('select id, prefix from api_key where platform_id = $1', [p.platformId]);
    return {
      auth,
      platformId: p.platformId,
      accountId: accounts[0].id,
      accountEmail: accounts[0].email,
      validatedBatch: validated.id,
      completedBatch: completed.id,
      awaitingBatch: { id: awaiting.batch.id, uploadUrl: awaiting.uploadUrl },
      idempotencyKey: key,
      endpointId: endpoint.createWebhookEndpoint.endpoint.id,
      eventId: events.events.edges[0].node.id,
      apiKeyId: apiKey.id,
      apiKeyPrefix: apiKey.prefix,
      adminId: (await t.app.services.db.query<{ id: string }>('select id from dashboard_user where email = $1', [p.admin.email]))[0].id,
      adminEmail: p.admin.email,
    };
  }

  beforeAll(async () => {
    t = await startTestApp();
    a = await setUpPlatform('Tenant A');
    b = await setUpPlatform('Tenant B');
  });
  afterAll(() => t?.stop());

  /** Every A id that must never appear in an answer to B. */
  const aIds = () => [
    a.platformId,
    a.accountId,
    a.validatedBatch,
    a.completedBatch,
    a.awaitingBatch.id,
    a.endpointId,
    a.eventId,
    a.apiKeyId,
    a.apiKeyPrefix,
    a.adminId,
    a.adminEmail,
  ];
  const leaks = (value: unknown) => aIds().filter((id) => JSON.stringify(value).includes(id));

  const QUERY: Record<string, () => Promise<void>> = {
    viewer: async () => {
      const r = await gqlData<{ viewer: { platform: { id: string } } }>(t.url, b.auth, '{ viewer { platform { id name } role } }');
      expect(r.viewer.platform.id).toBe(b.platformId);
    },
    connectedAccounts: async () => {
      const all = await gqlData(t.url, b.auth, '{ connectedAccounts(first: 1000) { totalCount edges { node { id email } } } }');
      expect(leaks(all)).toEqual([]);
      const search = `query($s: String) { connectedAccounts(first: 10, filter: { search: $s }) { totalCount edges { node { id } } } }`;
      const byId = await gqlData<{ connectedAccounts: { totalCount: number } }>(t.url, b.auth, search, { s: a.accountId });
      expect(byId.connectedAccounts.totalCount).toBe(0);
      if (a.accountEmail) {
        const byEmail = await gqlData<{ connectedAccounts: { totalCount: number } }>(t.url, b.auth, search, { s: a.accountEmail });
        expect(byEmail.connectedAccounts.totalCount).toBe(0);
      }
    },
    connectedAccount: async () => {
      const r = await sameAsMissing('query($id: ID!) { connectedAccount(id: $id) { id email } }', (id) => ({ id }), a.accountId, MISSING.account);
      nothing(r, 'connectedAccount');
    },
    emailTemplate: async () => {
      const r = await gqlData<{ emailTemplate: { url: string; rowCount: number } }>(t.url, b.auth, '{ emailTemplate { url rowCount } }');
      const [{ n }] = await t.app.services.db.query<{ n: number }>(
        `select count(*) as n from connected_account where platform_id = $1 and status not in ('closed', 'rejected')`,
        [b.platformId],
      );
      expect(r.emailTemplate.rowCount).toBe(Number(n));
      const csv = await (await fetch(r.emailTemplate.url)).text();
      expect(leaks(csv)).toEqual([]);
    },
    uploadBatch: async () => {
      const q = 'query($id: ID!) { uploadBatch(id: $id) { id status rows(first: 5) { totalCount } errorReportUrl } }';
      for (const id of [a.validatedBatch, a.completedBatch, a.awaitingBatch.id]) nothing(await sameAsMissing(q, (x) => ({ id: x }), id, MISSING.batch), 'uploadBatch');
    },
    uploadBatches: async () => {
      const r = await gqlData(t.url, b.auth, '{ uploadBatches(first: 100) { totalCount edges { node { id filename } } } }');
      expect(leaks(r)).toEqual([]);
    },
    webhookEndpoints: async () => {
      const r = await gqlData(t.url, b.auth, '{ webhookEndpoints { id url description deliveries(first: 50) { edges { node { eventId } } } } }');
      expect(leaks(r)).toEqual([]);
    },
    webhookEndpoint: async () => {
      const q = 'query($id: ID!) { webhookEndpoint(id: $id) { id deliverySummary { pending } deliveries(first: 5) { totalCount } } }';
      nothing(await sameAsMissing(q, (id) => ({ id }), a.endpointId, MISSING.endpoint), 'webhookEndpoint');
    },
    events: async () => {
      const r = await gqlData(t.url, b.auth, '{ events(first: 500) { totalCount edges { node { id accountId uploadBatchId payload } } } }');
      expect(leaks(r)).toEqual([]);
    },
    event: async () => {
      nothing(await sameAsMissing('query($id: ID!) { event(id: $id) { id payload } }', (id) => ({ id }), a.eventId, MISSING.event), 'event');
    },
    apiKeys: async () => {
      const r = await gqlData<{ apiKeys: Array<{ id: string }> }>(t.url, b.auth, '{ apiKeys { id name prefix createdBy } }');
      expect(r.apiKeys.map((k) => k.id)).toContain(b.apiKeyId);
      expect(leaks(r)).toEqual([]);
    },
    members: async () => {
      const r = await gqlData<{ members: Array<{ id: string }> }>(t.url, b.auth, '{ members { id email role } }');
      expect(r.members.map((m) => m.id)).toContain(b.adminId);
      expect(leaks(r)).toEqual([]);
    },
    auditLog: async () => {
      const r = await gqlData(t.url, b.auth, '{ auditLog(first: 200) { totalCount edges { node { actor action target details } } } }');
      expect(leaks(r)).toEqual([]);
    },
    auditActions: async () => {
      const [ofA, ofB] = await Promise.all([a, b].map((p) => gqlData(t.url, p.auth, '{ auditActions }')));
      expect(ofB).toEqual(ofA);
    },
    auditActors: async () => {
      expect(leaks(await gqlData(t.url, b.auth, '{ auditActors }'))).toEqual([]);
    },
  };

  const MUTATION: Record<string, () => Promise<void>> = {
    createUploadBatch: async () => {
      // A's idempotency key names A's batch for A only: B gets a batch of its own.
      const r = await gqlData<{ createUploadBatch: { batch: { id: string } } }>(
        t.url,
        b.auth,
        'mutation($input: CreateUploadBatchInput!) { createUploadBatch(input: $input) { batch { id } uploadUrl } }',
        { input: { idempotencyKey: a.idempotencyKey } },
      );
      expect(aIds()).not.toContain(r.createUploadBatch.batch.id);
    },
    confirmUploadBatch: async () => {
      notFound(await sameAsMissing('mutation($id: ID!) { confirmUploadBatch(id: $id) { id status } }', (id) => ({ id }), a.validatedBatch, MISSING.batch));
      await expectBatchStatus(a.validatedBatch, 'VALIDATED');
    },
    cancelUploadBatch: async () => {
      notFound(await sameAsMissing('mutation($id: ID!) { cancelUploadBatch(id: $id) { id status } }', (id) => ({ id }), a.validatedBatch, MISSING.batch));
      await expectBatchStatus(a.validatedBatch, 'VALIDATED');
    },
    approveUploadBatch: async () => {
      // B's API key is refused before any lookup (approval takes a person): the same answer for A's batch and none.
      const r = await sameAsMissing('mutation($id: ID!) { approveUploadBatch(id: $id) { id status } }', (id) => ({ id }), a.validatedBatch, MISSING.batch);
      expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      await expectBatchStatus(a.validatedBatch, 'VALIDATED');
    },
    declineUploadBatch: async () => {
      const q = 'mutation($id: ID!) { declineUploadBatch(id: $id, reason: "no") { id status } }';
      const r = await sameAsMissing(q, (id) => ({ id }), a.validatedBatch, MISSING.batch);
      expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      await expectBatchStatus(a.validatedBatch, 'VALIDATED');
    },
    rollbackUploadBatch: async () => {
      notFound(await sameAsMissing('mutation($id: ID!) { rollbackUploadBatch(id: $id) { id status } }', (id) => ({ id }), a.completedBatch, MISSING.batch));
      await expectBatchStatus(a.completedBatch, 'COMPLETED');
    },
    updatePlatformSettings: async () => {
      await gqlData(t.url, b.auth, 'mutation { updatePlatformSettings(input: { approvalPolicy: ALWAYS }) { approvalPolicy } }');
      const mine = await gqlData<{ viewer: { platform: { settings: { approvalPolicy: string } } } }>(t.url, a.auth, '{ viewer { platform { settings { approvalPolicy } } } }');
      expect(mine.viewer.platform.settings.approvalPolicy).toBe('NONE');
      await gqlData(t.url, b.auth, 'mutation { updatePlatformSettings(input: { approvalPolicy: NONE }) { approvalPolicy } }');
    },
    editBatchRow: async () => {
      const q = 'mutation($id: ID!) { editBatchRow(batchId: $id, rowNumber: 2, input: { email: "taken@over.example" }) { rowNumber newEmail } }';
      notFound(await sameAsMissing(q, (id) => ({ id }), a.validatedBatch, MISSING.batch));
      const rows = await t.app.services.db.query<{ new_email: string | null }>('select new_email from batch_row where batch_id = $1 and row_number = 2', [
        a.validatedBatch,
      ]);
      expect(rows[0]?.new_email).not.toBe('taken@over.example');
    },
    updateConnectedAccount: async () => {
      const q = 'mutation($id: ID!) { updateConnectedAccount(id: $id, input: { email: "taken@over.example" }) { id email } }';
      notFound(await sameAsMissing(q, (id) => ({ id }), a.accountId, MISSING.account));
      const [row] = await t.app.services.db.query<{ email: string | null }>('select email from connected_account where platform_id = $1 and id = $2', [
        a.platformId,
        a.accountId,
      ]);
      expect(row.email).toBe(a.accountEmail);
    },
    createWebhookEndpoint: async () => {
      const created = await gqlData<{ createWebhookEndpoint: { endpoint: { id: string } } }>(
        t.url,
        b.auth,
        'mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } secret } }',
        { input: { url: 'http://127.0.0.1:9/b-only' } },
      );
      const seenByA = await gqlData(t.url, a.auth, '{ webhookEndpoints { id url } }');
      expect(JSON.stringify(seenByA)).not.toContain(created.createWebhookEndpoint.endpoint.id);
      expect(JSON.stringify(seenByA)).not.toContain('b-only');
    },
    updateWebhookEndpoint: async () => {
      const q = 'mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: { url: "http://127.0.0.1:9/hijacked", enabled: false }) { id url } }';
      notFound(await sameAsMissing(q, (id) => ({ id }), a.endpointId, MISSING.endpoint));
      await expectEndpoint(a.endpointId, 'http://127.0.0.1:9/hooks');
    },
    deleteWebhookEndpoint: async () => {
      notFound(await sameAsMissing('mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', (id) => ({ id }), a.endpointId, MISSING.endpoint));
      await expectEndpoint(a.endpointId, 'http://127.0.0.1:9/hooks');
    },
    rotateWebhookEndpointSecret: async () => {
      const q = 'mutation($id: ID!) { rotateWebhookEndpointSecret(id: $id) { secret endpoint { id } } }';
      notFound(await sameAsMissing(q, (id) => ({ id }), a.endpointId, MISSING.endpoint));
    },
    resendWebhookEvent: async () => {
      const q = 'mutation($e: ID!, $v: ID!) { resendWebhookEvent(endpointId: $e, eventId: $v) { eventId status } }';
      // A's endpoint (with A's event), and B's own endpoint with A's event.
      notFound(await sameAsMissing(q, (id) => ({ e: id, v: a.eventId }), a.endpointId, MISSING.endpoint));
      const elsewhere = await gql(t.url, b.auth, q, { e: b.endpointId, v: a.eventId });
      const nowhere = await gql(t.url, b.auth, q, { e: b.endpointId, v: MISSING.event });
      notFound(elsewhere);
      expect(blank(elsewhere, [a.eventId])).toBe(blank(nowhere, [MISSING.event]));
    },
  };

  Object.assign(MUTATION, {
    createApiKey: async () => {
      const r = await gqlData<{ createApiKey: { apiKey: { id: string } } }>(t.url, b.auth, 'mutation { createApiKey(input: { name: "B only" }) { apiKey { id } secret } }');
      const seenByA = await gqlData(t.url, a.auth, '{ apiKeys { id name } }');
      expect(JSON.stringify(seenByA)).not.toContain(r.createApiKey.apiKey.id);
    },
    revokeApiKey: async () => {
      notFound(await sameAsMissing('mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }', (id) => ({ id }), a.apiKeyId, MISSING.apiKey));
      expect((await gql(t.url, a.auth, '{ viewer { role } }')).status).toBe(200);
    },
    addMember: async () => {
      await gqlData(t.url, b.auth, 'mutation { addMember(input: { email: "b.only@tenant.example", role: VIEWER }) { member { id } setPasswordUrl } }');
      const seenByA = await gqlData(t.url, a.auth, '{ members { email } }');
      expect(JSON.stringify(seenByA)).not.toContain('b.only@tenant.example');
    },
    createSetPasswordLink: async () => {
      notFound(await sameAsMissing('mutation($id: ID!) { createSetPasswordLink(id: $id) }', (id) => ({ id }), a.adminId, MISSING.member));
    },
    updateMemberRole: async () => {
      notFound(await sameAsMissing('mutation($id: ID!) { updateMemberRole(id: $id, role: VIEWER) { id role } }', (id) => ({ id }), a.adminId, MISSING.member));
    },
    removeMember: async () => {
      notFound(await sameAsMissing('mutation($id: ID!) { removeMember(id: $id) }', (id) => ({ id }), a.adminId, MISSING.member));
      const [row] = await t.app.services.db.query<{ role: string }>('select role from dashboard_user where id = $1', [a.adminId]);
      expect(row.role).toBe('ADMIN');
    },
  } satisfies Record<string, () => Promise<void>>);

  const SUBSCRIPTION: Record<string, () => Promise<void>> = {
    uploadBatchUpdated: () => subscriptionLooksMissing('subscription($id: ID!) { uploadBatchUpdated(id: $id) { id status } }'),
    uploadBatchProblemRows: () => subscriptionLooksMissing('subscription($id: ID!) { uploadBatchProblemRows(id: $id) { rowNumber } }'),
  };

  /** A subscription on A's batch fails like one on a missing batch, before sending any of its data. */
  async function subscriptionLooksMissing(query: string) {
    const outcomes: string[] = [];
    for (const [id, missing] of [
      [a.completedBatch, MISSING.batch],
      [a.validatedBatch, MISSING.batch],
    ]) {
      for (const target of [id, missing]) {
        const client = wsClient(t.wsUrl, b.auth);
        const run = subscribeAll(client, query, { id: target });
        const error = await run.done.then(
          (events) => `completed with ${JSON.stringify(events)}`,
          (err: unknown) => (err instanceof Error ? err.message : JSON.stringify(err)),
        );
        await client.dispose();
        outcomes.push(blank(error, [id, missing]));
      }
    }
    for (const o of outcomes) expect(o).toContain('NOT_FOUND');
    expect(new Set(outcomes).size).toBe(1);
  }

  const HTTP: Record<string, () => Promise<void>> = {
    'GET /files/template': async () => {
      const res = await fetch(`${t.url}/files/template`, { headers: authHeaders(b.auth) });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(leaks(text)).toEqual([]);
      expect(text).toContain(HEADER);
    },
    'PUT /files/uploads/:id': async () => {
      const body = `${HEADER}\n${a.accountId},,,,hijack@tenant.example,✗\n`;
      const elsewhere = await putFile(a.awaitingBatch.uploadUrl, b.auth, body);
      const nowhere = await putFile(a.awaitingBatch.uploadUrl.replace(a.awaitingBatch.id, MISSING.batch), b.auth, body);
      expect(elsewhere.status).toBe(404);
      expect(nowhere.status).toBe(404);
      expect(blank(await elsewhere.text(), [a.awaitingBatch.id])).toBe(blank(await nowhere.text(), [MISSING.batch]));
      await expectBatchStatus(a.awaitingBatch.id, 'AWAITING_UPLOAD');
    },
    'GET /files/batches/:id/report': async () => {
      const path = (id: string) => `${t.url}/files/batches/${id}/report`;
      const elsewhere = await fetch(path(a.completedBatch), { headers: authHeaders(b.auth) });
      const nowhere = await fetch(path(MISSING.batch), { headers: authHeaders(b.auth) });
      expect(elsewhere.status).toBe(404);
      expect(await elsewhere.text()).toBe(await nowhere.text());
      // B's signed link for B's own report does not open A's: the token names one batch.
      const own = await gqlData<{ uploadBatch: { errorReportUrl: string } }>(t.url, b.auth, 'query($id: ID!) { uploadBatch(id: $id) { errorReportUrl } }', {
        id: b.completedBatch,
      });
      const token = new URL(own.uploadBatch.errorReportUrl).searchParams.get('token') ?? '';
      const swapped = await fetch(`${path(a.completedBatch)}?token=${encodeURIComponent(token)}`);
      expect(swapped.status).toBe(401);
      expect(leaks(await swapped.text())).toEqual([]);
    },
  };

  async function expectBatchStatus(id: string, status: string) {
    const [row] = await t.app.services.db.query<{ status: string }>('select status from upload_batch where id = $1', [id]);
    expect(row.status).toBe(status);
  }
  async function expectEndpoint(id: string, url: string) {
    const r = await gqlData<{ webhookEndpoint: { url: string; enabled: boolean } | null }>(
      t.url,
      a.auth,
      'query($id: ID!) { webhookEndpoint(id: $id) { url enabled } }',
      { id },
    );
    expect(r.webhookEndpoint).toEqual({ url, enabled: true });
  }

  it('has an entry for every root field of schema/schema.graphql, and none that is gone', () => {
    const schema = graphqlRuntime.buildSchema(readFileSync(SCHEMA, 'utf8'));
    const fieldsOf = (type: { getFields(): Record<string, unknown> } | null | undefined) => Object.keys(type?.getFields() ?? {}).sort();
    const inSchema = {
      Query: fieldsOf(schema.getQueryType()),
      Mutation: fieldsOf(schema.getMutationType()),
      Subscription: fieldsOf(schema.getSubscriptionType()),
    };
    const inMatrix = { Query: Object.keys(QUERY).sort(), Mutation: Object.keys(MUTATION).sort(), Subscription: Object.keys(SUBSCRIPTION).sort() };
    expect(inMatrix, 'add a cross-tenant probe for each new field to test/hardening/tenant-matrix.test.ts').toEqual(inSchema);
  });

  for (const [kind, probes] of Object.entries({ Query: QUERY, Mutation: MUTATION, Subscription: SUBSCRIPTION, HTTP })) {
    for (const [name, probe] of Object.entries(probes)) {
      it(`${kind} ${name}`, probe);
    }
  }

  it('B’s credentials never changed anything of A', async () => {
    const r = await gqlData<{ uploadBatches: { edges: Array<{ node: { id: string; status: string } }> }; webhookEndpoints: Array<{ id: string }> }>(
      t.url,
      a.auth as Auth,
      '{ uploadBatches(first: 10) { edges { node { id status } } } webhookEndpoints { id } }',
    );
    expect(Object.fromEntries(r.uploadBatches.edges.map((e) => [e.node.id, e.node.status]))).toEqual({
      [a.completedBatch]: 'COMPLETED',
      [a.validatedBatch]: 'VALIDATED',
      [a.awaitingBatch.id]: 'AWAITING_UPLOAD',
    });
    expect(r.webhookEndpoints.map((e) => e.id)).toEqual([a.endpointId]);
  });
});
