import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../server/src/modules/auth/auth.service.js';
import { Role } from '../../server/src/modules/auth/dashboard-user.entity.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { type Auth, gql, gqlData, signIn, subscribeAll, wsClient } from '../support/graphql.js';
import { HEADER, allRows, uploadAndValidate, waitForStatus } from '../support/flow.js';

const CONFIRM = 'mutation($id: ID!) { confirmUploadBatch(id: $id) { status } }';
const ROLLBACK = 'mutation($id: ID!) { rollbackUploadBatch(id: $id) { id status } }';
const UPDATE = 'mutation($id: ID!, $email: String) { updateConnectedAccount(id: $id, input: { email: $email }) { id email } }';
const PREVIEW = 'query($id: ID!) { uploadBatch(id: $id) { status completedAt rollbackPreview { restorable conflicts availableUntil } } }';
const LIVE = 'subscription($id: ID!) { uploadBatchUpdated(id: $id) { status summary { applied rolledBack rollbackConflicts } } }';

interface Preview {
  uploadBatch: { status: string; completedAt: string; rollbackPreview: { restorable: number; conflicts: number; availableUntil: string } | null };
}

describe('rollback of a completed batch (SPEC.md "Rollback")', () => {
  let t: TestApp;
  let key: Auth;
  let admin: Auth;
  let viewer: Auth;
  let adminEmail: string;
  let platformId: string;
  let withEmail: Array<{ id: string; email: string }>;
  let withoutEmail: string[];

  const emailOf = async (id: string) =>
    (await t.app.services.db.query<{ email: string | null }>('select email from connected_account where platform_id = $1 and id = $2', [platformId, id]))[0].email;
  const applyCsv = async (auth: Auth, lines: Array<[string, string]>) => {
    const batch = await uploadAndValidate(t.url, auth, `${HEADER}\n${lines.map(([id, email]) => `${id},,,,${email},✗`).join('\n')}\n`);
    await gqlData(t.url, auth, CONFIRM, { id: batch.id });
    return waitForStatus(t.url, auth, batch.id, ['COMPLETED']);
  };

  beforeAll(async () => {
    t = await startTestApp();
    const p = await t.platform('Undo Co', 300);
    platformId = p.platformId;
    key = { apiKey: p.apiKey };
    adminEmail = p.admin.email;
    admin = { cookie: await signIn(t.url, p.admin.email, p.admin.password) };
    const look = await createUser(t.app.services.orm.em.fork(), { platformId, email: 'viewer@undo.example', role: Role.VIEWER });
    viewer = { cookie: await signIn(t.url, look.email, look.password) };
    const eligible = `platform_id = $1 and status not in ('closed', 'rejected') and not user_claimed_email`;
    withEmail = await t.app.services.db.query<{ id: string; email: string }>(`select id, email from connected_account where ${eligible} and email is not null order by id`, [platformId]);
    withoutEmail = (await t.app.services.db.query<{ id: string }>(`select id from connected_account where ${eligible} and email is null order by id`, [platformId])).map(
      (r) => r.id,
    );
  });
  afterAll(() => t.stop());

  it('restores accounts that still hold what the batch set, once, and reports the others as conflicts', async () => {
    const added = withoutEmail[0];
    const [edited, laterBatch, editedBack, untouched] = withEmail.slice(0, 4);
    const batch = await applyCsv(admin, [
      [added, 'added@undo.example'],
      [edited.id, 'edited@undo.example'],
      [laterBatch.id, 'later@undo.example'],
      [editedBack.id, 'back@undo.example'],
      [untouched.id, 'untouched@undo.example'],
    ]);
    expect(batch.summary).toMatchObject({ additions: 1, replacements: 4, applied: 5 });
    // After the apply: one single edit, one later batch, one edit and back to the batch's own email.
    await gqlData(t.url, key, UPDATE, { id: edited.id, email: 'by-hand@undo.example' });
    await applyCsv(key, [[laterBatch.id, 'newer@undo.example']]);
    await gqlData(t.url, key, UPDATE, { id: editedBack.id, email: 'detour@undo.example' });
    await gqlData(t.url, key, UPDATE, { id: editedBack.id, email: 'back@undo.example' });

    const preview = await gqlData<Preview>(t.url, viewer, PREVIEW, { id: batch.id });
    expect(preview.uploadBatch.rollbackPreview).toMatchObject({ restorable: 2, conflicts: 3 });
    const until = new Date(preview.uploadBatch.rollbackPreview?.availableUntil ?? 0).getTime();
    expect(until - new Date(preview.uploadBatch.completedAt).getTime()).toBe(30 * 86_400_000);

    const byViewer = await gql(t.url, viewer, ROLLBACK, { id: batch.id });
    expect(byViewer.errors?.[0].extensions?.code).toBe('FORBIDDEN');

    const client = wsClient(t.wsUrl, admin);
    const started = await gqlData<{ rollbackUploadBatch: { status: string } }>(t.url, admin, ROLLBACK, { id: batch.id });
    expect(started.rollbackUploadBatch.status).toBe('ROLLING_BACK');
    const live = subscribeAll<{ uploadBatchUpdated: { status: string; summary: { rolledBack: number; rollbackConflicts: number } } }>(client, LIVE, {
      id: batch.id,
    });
    const events = await live.done;
    await client.dispose();
    const last = events.at(-1)?.uploadBatchUpdated;
    expect(last).toMatchObject({ status: 'ROLLED_BACK', summary: { applied: 5, rolledBack: 2, rollbackConflicts: 3 } });

    const rows = await allRows(t.url, admin, batch.id);
    expect(rows.map((r) => r.applyStatus)).toEqual(['ROLLED_BACK', 'ROLLBACK_CONFLICT', 'ROLLBACK_CONFLICT', 'ROLLBACK_CONFLICT', 'ROLLED_BACK']);
    expect(await emailOf(added)).toBeNull();
    expect(await emailOf(untouched.id)).toBe(untouched.email);
    expect(await emailOf(edited.id)).toBe('by-hand@undo.example');
    expect(await emailOf(laterBatch.id)).toBe('newer@undo.example');
    expect(await emailOf(editedBack.id)).toBe('back@undo.example');
    const filtered = await gqlData<{ uploadBatch: { rows: { totalCount: number } } }>(
      t.url,
      admin,
      'query($id: ID!) { uploadBatch(id: $id) { rows(filter: { applyStatuses: [ROLLED_BACK] }) { totalCount } } }',
      { id: batch.id },
    );
    expect(filtered.uploadBatch.rows.totalCount).toBe(2);

    // One event per restored account, the apply's body plus "rollback": true, the batch's email as the previous one.
    const stored = await t.app.services.db.query<{ payload: string; account_id: string }>(
      'select payload, account_id from event where batch_id = $1 and is_rollback = 1 order by row_number',
      [batch.id],
    );
    expect(stored.map((e) => e.account_id)).toEqual([added, untouched.id]);
    const bodies = stored.map((e) => JSON.parse(e.payload));
    expect(bodies[0]).toMatchObject({
      object: 'event',
      type: 'account.updated',
      data: { object: { id: added, object: 'account', email: null }, previous_attributes: { email: 'added@undo.example' } },
      upload_batch: batch.id,
      rollback: true,
    });
    expect(bodies[1].data.object.email).toBe(untouched.email);
    expect(bodies[1].data.previous_attributes.email).toBe('untouched@undo.example');
    expect(Object.keys(bodies[1])).toEqual(['id', 'object', 'type', 'created', 'data', 'upload_batch', 'rollback']);
    expect(stored[1].payload).toBe(JSON.stringify(bodies[1]));
    const [{ n: applyEvents }] = await t.app.services.db.query<{ n: number }>('select count(*) as n from event where batch_id = $1 and is_rollback = 0', [batch.id]);
    expect(Number(applyEvents)).toBe(5);

    // Once: a second rollback is refused and restores nothing more; the preview is gone.
    const again = await gql(t.url, admin, ROLLBACK, { id: batch.id });
    expect(again.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' }, message: expect.stringMatching(/rolled back once/) });
    expect((await gqlData<Preview>(t.url, admin, PREVIEW, { id: batch.id })).uploadBatch.rollbackPreview).toBeNull();
    const h = await gqlData<{ uploadBatch: { history: Array<{ status: string; by: string | null }> } }>(
      t.url,
      admin,
      'query($id: ID!) { uploadBatch(id: $id) { history { status by } } }',
      { id: batch.id },
    );
    expect(h.uploadBatch.history.slice(-3)).toEqual([
      { status: 'COMPLETED', by: null },
      { status: 'ROLLING_BACK', by: adminEmail },
      { status: 'ROLLED_BACK', by: null },
    ]);
  });

  it('an API key may roll back; the later batch undone restores the earlier batch’s email', async () => {
    const target = withEmail[10];
    await applyCsv(key, [[target.id, 'first@undo.example']]);
    const second = await applyCsv(key, [[target.id, 'second@undo.example']]);
    await gqlData(t.url, key, ROLLBACK, { id: second.id });
    const done = await waitForStatus(t.url, key, second.id, ['ROLLED_BACK']);
    expect(done.summary).toMatchObject({ applied: 1 });
    expect(await emailOf(target.id)).toBe('first@undo.example');
    // The audit log names the key by its prefix only.
    const log = await gqlData<{ auditLog: { edges: Array<{ node: { action: string; actor: string; target: string } }> } }>(
      t.url,
      admin,
      '{ auditLog(first: 50) { edges { node { action actor target } } } }',
    );
    const entry = log.auditLog.edges.map((e) => e.node).find((n) => n.action === 'batch.rolled_back' && n.target === second.id);
    expect(entry?.actor).toBe((key as { apiKey: string }).apiKey.slice(0, 10));
    expect(JSON.stringify(log)).not.toContain((key as { apiKey: string }).apiKey);
  });

  it('refuses batches that are not COMPLETED and batches past the rollback window', async () => {
    const validated = await uploadAndValidate(t.url, admin, `${HEADER}\n${withEmail[20].id},,,,x@undo.example,✗\n`);
    const early = await gql(t.url, admin, ROLLBACK, { id: validated.id });
    expect(early.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' }, message: expect.stringMatching(/VALIDATED.*Only a COMPLETED batch/) });
    expect((await gqlData<Preview>(t.url, admin, PREVIEW, { id: validated.id })).uploadBatch.rollbackPreview).toBeNull();

    const old = await applyCsv(admin, [[withEmail[21].id, 'old@undo.example']]);
    await t.app.services.db.execute('update upload_batch set completed_at = $1 where id = $2', [new Date(Date.now() - 31 * 86_400_000), old.id]);
    expect((await gqlData<Preview>(t.url, admin, PREVIEW, { id: old.id })).uploadBatch.rollbackPreview).toBeNull();
    const late = await gql(t.url, admin, ROLLBACK, { id: old.id });
    expect(late.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' }, message: expect.stringMatching(/window of 30 days/) });
    expect(await emailOf(withEmail[21].id)).toBe('old@undo.example');
  });
});
