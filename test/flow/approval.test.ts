import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireBatches } from '../../server/src/modules/batches/batch.lifecycle.js';
import { createUser } from '../../server/src/modules/auth/auth.service.js';
import { Role } from '../../server/src/modules/auth/dashboard-user.entity.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { type Auth, gql, gqlData, signIn, subscribeAll, wsClient } from '../support/graphql.js';
import { HEADER, allRows, getBatch, uploadAndValidate, waitForStatus } from '../support/flow.js';

const CONFIRM = 'mutation($id: ID!) { confirmUploadBatch(id: $id) { id status } }';
const APPROVE = 'mutation($id: ID!) { approveUploadBatch(id: $id) { id status } }';
const DECLINE = 'mutation($id: ID!, $reason: String!) { declineUploadBatch(id: $id, reason: $reason) { id status } }';
const SETTINGS = 'mutation($input: UpdatePlatformSettingsInput!) { updatePlatformSettings(input: $input) { approvalPolicy approvalThreshold updatedBy } }';
const HISTORY = 'query($id: ID!) { uploadBatch(id: $id) { status history { status by note at } } }';

interface Transition {
  status: string;
  by: string | null;
  note: string | null;
  at: string;
}

describe('four-eyes approval (SPEC.md "Approval")', () => {
  let t: TestApp;
  let apiKey: Auth;
  let admin1: Auth;
  let admin2: Auth;
  let viewer: Auth;
  let admin1Email: string;
  let admin2Email: string;
  let platformId: string;
  let plain: string[];
  let claimed: { id: string; email: string };
  let next = 0;
  /** A fresh unclaimed account per use, so batches never overlap. */
  const take = (n: number) => {
    const ids = plain.slice(next, next + n);
    next += n;
    return ids;
  };
  const csvFor = (ids: string[], tag: string) => `${HEADER}\n${ids.map((id, i) => `${id},,,,${tag}.${i}@approval.example,✗`).join('\n')}\n`;
  const setPolicy = (input: Record<string, unknown>) => gqlData<{ updatePlatformSettings: { approvalPolicy: string; approvalThreshold: number | null } }>(t.url, admin1, SETTINGS, { input });
  const history = async (id: string) => (await gqlData<{ uploadBatch: { history: Transition[] } }>(t.url, admin1, HISTORY, { id })).uploadBatch.history;
  const emailOf = async (id: string) =>
    (await t.app.services.db.query<{ email: string | null }>('select email from connected_account where platform_id = $1 and id = $2', [platformId, id]))[0].email;

  beforeAll(async () => {
    t = await startTestApp();
    const p = await t.platform('Four Eyes Ltd', 200);
    platformId = p.platformId;
    apiKey = { apiKey: p.apiKey };
    admin1Email = p.admin.email;
    admin1 = { cookie: await signIn(t.url, p.admin.email, p.admin.password) };
    const em = t.app.services.orm.em.fork();
    const second = await createUser(em, { platformId, email: 'second.admin@four-eyes.example', role: Role.ADMIN });
    const look = await createUser(em, { platformId, email: 'viewer@four-eyes.example', role: Role.VIEWER });
    admin2Email = second.email;
    admin2 = { cookie: await signIn(t.url, second.email, second.password) };
    viewer = { cookie: await signIn(t.url, look.email, look.password) };
    const db = t.app.services.db;
    plain = (
      await db.query<{ id: string }>(
        `select id from connected_account where platform_id = $1 and status not in ('closed', 'rejected') and not user_claimed_email order by id`,
        [platformId],
      )
    ).map((r) => r.id);
    [claimed] = await db.query<{ id: string; email: string }>(
      `select id, email from connected_account where platform_id = $1 and status not in ('closed', 'rejected') and user_claimed_email and email is not null order by id limit 1`,
      [platformId],
    );
  });
  afterAll(() => t.stop());

  it('settings: NONE by default, readable at viewer.platform.settings, changed by an ADMIN only, with coded refusals', async () => {
    const read = async (auth: Auth) =>
      (await gqlData<{ viewer: { platform: { settings: { approvalPolicy: string; approvalThreshold: number | null } } } }>(t.url, auth, '{ viewer { platform { settings { approvalPolicy approvalThreshold } } } }')).viewer.platform.settings;
    expect(await read(viewer)).toEqual({ approvalPolicy: 'NONE', approvalThreshold: null });
    const byViewer = await gql(t.url, viewer, SETTINGS, { input: { approvalPolicy: 'ALWAYS' } });
    expect(byViewer.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const noThreshold = await gql(t.url, admin1, SETTINGS, { input: { approvalPolicy: 'ABOVE_THRESHOLD' } });
    expect(noThreshold.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringMatching(/threshold/i) });
    const negative = await gql(t.url, admin1, SETTINGS, { input: { approvalPolicy: 'ABOVE_THRESHOLD', approvalThreshold: -1 } });
    expect(negative.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const set = await setPolicy({ approvalPolicy: 'ALWAYS' });
    expect(set.updatePlatformSettings).toMatchObject({ approvalPolicy: 'ALWAYS', approvalThreshold: null, updatedBy: admin1Email });
    expect(await read(viewer)).toEqual({ approvalPolicy: 'ALWAYS', approvalThreshold: null });
  });

  it('ALWAYS: confirm awaits approval; the requester, an API key and a VIEWER are refused with a reason; a second ADMIN approves and it applies', async () => {
    await setPolicy({ approvalPolicy: 'ALWAYS' });
    const ids = take(3);
    const batch = await uploadAndValidate(t.url, admin1, csvFor(ids, 'always'));
    const confirmed = await gqlData<{ confirmUploadBatch: { status: string } }>(t.url, admin1, CONFIRM, { id: batch.id });
    expect(confirmed.confirmUploadBatch.status).toBe('AWAITING_APPROVAL');
    // Confirming twice is harmless.
    expect((await gqlData<{ confirmUploadBatch: { status: string } }>(t.url, admin1, CONFIRM, { id: batch.id })).confirmUploadBatch.status).toBe('AWAITING_APPROVAL');
    // Nothing applied while it waits.
    expect((await allRows(t.url, admin1, batch.id)).map((r) => r.applyStatus)).toEqual(['PENDING', 'PENDING', 'PENDING']);
    expect(await emailOf(ids[0])).not.toBe('always.0@approval.example');
    const asked = (await history(batch.id)).at(-1);
    expect(asked).toMatchObject({ status: 'AWAITING_APPROVAL', by: admin1Email, note: expect.stringMatching(/every batch/) });

    const self = await gql(t.url, admin1, APPROVE, { id: batch.id });
    expect(self.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' }, message: expect.stringMatching(/You asked for this approval.*another ADMIN/) });
    const selfDecline = await gql(t.url, admin1, DECLINE, { id: batch.id, reason: 'changed my mind' });
    expect(selfDecline.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const key = await gql(t.url, apiKey, APPROVE, { id: batch.id });
    expect(key.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' }, message: expect.stringMatching(/Approval takes a person/) });
    const keyDecline = await gql(t.url, apiKey, DECLINE, { id: batch.id, reason: 'no' });
    expect(keyDecline.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' }, message: expect.stringMatching(/API key/) });
    const look = await gql(t.url, viewer, APPROVE, { id: batch.id });
    expect(look.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' }, message: expect.stringMatching(/Only an ADMIN.*VIEWER/) });
    expect((await getBatch(t.url, admin1, batch.id))?.status).toBe('AWAITING_APPROVAL');

    // The requester watches live: approval by another admin, then the apply to its end.
    const client = wsClient(t.wsUrl, admin1);
    const live = subscribeAll<{ uploadBatchUpdated: { status: string } }>(client, 'subscription($id: ID!) { uploadBatchUpdated(id: $id) { status } }', { id: batch.id });
    await new Promise((r) => setTimeout(r, 200));
    const approved = await gqlData<{ approveUploadBatch: { status: string } }>(t.url, admin2, APPROVE, { id: batch.id });
    expect(approved.approveUploadBatch.status).toBe('APPLYING');
    const done = await waitForStatus(t.url, admin1, batch.id, ['COMPLETED']);
    expect(done.summary).toMatchObject({ applied: 3, conflicts: 0 });
    const statuses = (await live.done).map((e) => e.uploadBatchUpdated.status);
    await client.dispose();
    expect(statuses[0]).toBe('AWAITING_APPROVAL');
    expect(statuses.at(-1)).toBe('COMPLETED');
    expect(await emailOf(ids[2])).toBe('always.2@approval.example');
    const steps = (await history(batch.id)).map((h) => [h.status, h.by]);
    expect(steps.slice(-3)).toEqual([
      ['AWAITING_APPROVAL', admin1Email],
      ['APPLYING', admin2Email],
      ['COMPLETED', null],
    ]);
    // Approving again is an illegal state change.
    expect((await gql(t.url, admin2, APPROVE, { id: batch.id })).errors?.[0].extensions?.code).toBe('CONFLICT');
  });

  it('an API key may confirm; a blank decline reason is BAD_USER_INPUT; a decline keeps its reason and applies nothing', async () => {
    await setPolicy({ approvalPolicy: 'ALWAYS' });
    const ids = take(2);
    const batch = await uploadAndValidate(t.url, apiKey, csvFor(ids, 'declined'));
    expect((await gqlData<{ confirmUploadBatch: { status: string } }>(t.url, apiKey, CONFIRM, { id: batch.id })).confirmUploadBatch.status).toBe('AWAITING_APPROVAL');
    const blank = await gql(t.url, admin1, DECLINE, { id: batch.id, reason: '   ' });
    expect(blank.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringMatching(/reason/) });
    const declined = await gqlData<{ declineUploadBatch: { status: string } }>(t.url, admin1, DECLINE, { id: batch.id, reason: '  Wrong file: these are test addresses. ' });
    expect(declined.declineUploadBatch.status).toBe('DECLINED');
    expect((await history(batch.id)).at(-1)).toMatchObject({ status: 'DECLINED', by: admin1Email, note: 'Wrong file: these are test addresses.' });
    expect(await emailOf(ids[0])).not.toBe('declined.0@approval.example');
    const [{ n }] = await t.app.services.db.query<{ n: number }>('select count(*) as n from event where batch_id = $1', [batch.id]);
    expect(Number(n)).toBe(0);
    expect((await gql(t.url, admin2, APPROVE, { id: batch.id })).errors?.[0]).toMatchObject({
      extensions: { code: 'CONFLICT' },
      message: expect.stringContaining('DECLINED'),
    });
  });

  it('ABOVE_THRESHOLD: more additions + replacements than the threshold, or any claimed email replaced, awaits approval; else it applies', async () => {
    const set = await setPolicy({ approvalPolicy: 'ABOVE_THRESHOLD', approvalThreshold: 2 });
    expect(set.updatePlatformSettings).toMatchObject({ approvalPolicy: 'ABOVE_THRESHOLD', approvalThreshold: 2 });
    const small = await uploadAndValidate(t.url, admin1, csvFor(take(2), 'small'));
    await gqlData(t.url, admin1, CONFIRM, { id: small.id });
    expect((await waitForStatus(t.url, admin1, small.id, ['COMPLETED', 'AWAITING_APPROVAL'])).status).toBe('COMPLETED');
    const large = await uploadAndValidate(t.url, admin1, csvFor(take(3), 'large'));
    expect((await gqlData<{ confirmUploadBatch: { status: string } }>(t.url, admin1, CONFIRM, { id: large.id })).confirmUploadBatch.status).toBe('AWAITING_APPROVAL');
    expect((await history(large.id)).at(-1)?.note).toMatch(/3 additions and replacements exceed the approval threshold of 2/);

    // One row, under the threshold, but it replaces an email its holder claimed.
    const claimedBatch = await uploadAndValidate(t.url, admin1, `${HEADER}\n${claimed.id},,,,replaced.claimed@approval.example,✔\n`);
    const rows = await allRows(t.url, admin1, claimedBatch.id);
    expect(rows[0].issues.map((i) => i.code)).toContain('CLAIMED_EMAIL_REPLACED');
    expect((await gqlData<{ confirmUploadBatch: { status: string } }>(t.url, admin1, CONFIRM, { id: claimedBatch.id })).confirmUploadBatch.status).toBe(
      'AWAITING_APPROVAL',
    );
    expect((await history(claimedBatch.id)).at(-1)?.note).toMatch(/1 row replaces an email the holder claimed/);
    expect(await emailOf(claimed.id)).toBe(claimed.email);
    // The history's "awaiting approval" filter lists exactly these two.
    const listed = await gqlData<{ uploadBatches: { totalCount: number; edges: Array<{ node: { id: string; status: string } }> } }>(
      t.url,
      viewer,
      '{ uploadBatches(first: 10, filter: { statuses: [AWAITING_APPROVAL] }) { totalCount edges { node { id status } } } }',
    );
    expect(listed.uploadBatches.totalCount).toBe(2);
    expect(listed.uploadBatches.edges.map((e) => e.node.id)).toEqual([claimedBatch.id, large.id]);
  });

  it('a batch awaiting approval can be canceled, and expires like an unconfirmed one', async () => {
    await setPolicy({ approvalPolicy: 'ALWAYS' });
    const toCancel = await uploadAndValidate(t.url, admin1, csvFor(take(1), 'cancel'));
    await gqlData(t.url, admin1, CONFIRM, { id: toCancel.id });
    const canceled = await gqlData<{ cancelUploadBatch: { status: string } }>(t.url, admin1, 'mutation($id: ID!) { cancelUploadBatch(id: $id) { status } }', { id: toCancel.id });
    expect(canceled.cancelUploadBatch.status).toBe('CANCELED');

    const old = await uploadAndValidate(t.url, admin1, csvFor(take(1), 'expire'));
    await gqlData(t.url, admin1, CONFIRM, { id: old.id });
    await t.app.services.db.execute('update upload_batch set expires_at = $1 where id = $2', [new Date(Date.now() - 1000), old.id]);
    // Approving past the expiry date is refused even before the sweep runs.
    const late = await gql(t.url, admin2, APPROVE, { id: old.id });
    expect(late.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' }, message: expect.stringMatching(/expired/) });
    expect(await expireBatches(t.app.services)).toBeGreaterThanOrEqual(1);
    expect((await getBatch(t.url, admin1, old.id))?.status).toBe('EXPIRED');
    await setPolicy({ approvalPolicy: 'NONE' });
  });

  it('writes every settings change, approval and decline to the audit log, with who and what, in the same transaction', async () => {
    const log = await gqlData<{ auditLog: { edges: Array<{ node: { action: string; actor: string | null; target: string | null; details: string | null } }> } }>(
      t.url,
      admin1,
      '{ auditLog(first: 100) { edges { node { action actor target details } } } }',
    );
    const entries = log.auditLog.edges.map((e) => e.node);
    const settings = entries.filter((e) => e.action === 'settings.updated');
    // Every setPolicy call of this suite, by the first admin.
    expect(settings.length).toBeGreaterThanOrEqual(4);
    expect(settings.every((e) => e.actor === admin1Email)).toBe(true);
    expect(JSON.parse(settings.at(-1)?.details ?? '{}')).toMatchObject({ before: { approvalPolicy: 'NONE' }, after: { approvalPolicy: expect.any(String) } });
    const approved = entries.filter((e) => e.action === 'batch.approved');
    expect(approved.length).toBeGreaterThanOrEqual(1);
    expect(approved.every((e) => e.actor === admin2Email && e.target?.startsWith('ub_'))).toBe(true);
    const declined = entries.filter((e) => e.action === 'batch.declined');
    expect(declined.length).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(declined[0].details ?? '{}').reason).toEqual(expect.any(String));
    // A refused approval (the requester, a key, a viewer) records nothing.
    const batchesApproved = new Set(approved.map((e) => e.target));
    expect(batchesApproved.size).toBe(approved.length);
  });
});
