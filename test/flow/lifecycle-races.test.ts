import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireBatches, purgeEndedBatches } from '../../server/src/modules/batches/batch.lifecycle.js';
import { BATCH_STATUSES } from '../../server/src/modules/batches/lifecycle/batch-status.js';
import { TRANSITIONS } from '../../server/src/modules/batches/lifecycle/transitions.js';
import { TEST_DB } from '../support/database.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { until } from '../support/faults.js';
import { gql, gqlData, signIn } from '../support/graphql.js';
import { HEADER, allRows, createBatch, getBatch, putFile, uploadAndValidate, waitForStatus } from '../support/flow.js';

const CONFIRM = 'mutation($id: ID!) { confirmUploadBatch(id: $id) { status } }';
const CANCEL = 'mutation($id: ID!) { cancelUploadBatch(id: $id) { status } }';
const HISTORY = 'query($id: ID!) { uploadBatch(id: $id) { status history { status at by note } } }';

interface Entry {
  status: string;
  at: string;
  by: string | null;
  note: string | null;
}

describe('batch lifecycle: one state machine, guarded transitions, recorded history', () => {
  let t: TestApp;
  let auth: { apiKey: string };
  let prefix: string;
  let cookie: string;
  let adminEmail: string;
  let platformId: string;
  let ids: string[];

  beforeAll(async () => {
    // A small row cap so a file can end in a file-level rejection after a long validation.
    t = await startTestApp({ MAX_UPLOAD_ROWS: '30000', APPLY_MAX_ATTEMPTS: '3', APPLY_RETRY_BASE_MS: '10' });
    const p = await t.platform('Races', 400);
    auth = { apiKey: p.apiKey };
    prefix = p.apiKey.slice(0, 10);
    platformId = p.platformId;
    adminEmail = p.admin.email;
    cookie = await signIn(t.url, p.admin.email, p.admin.password);
    ids = (
      await t.app.services.db.query<{ id: string }>(
        `select id from connected_account where platform_id = $1 and status not in ('closed', 'rejected') order by id`,
        [platformId],
      )
    ).map((r) => r.id);
  });
  afterAll(() => t.stop());

  const history = async (id: string) => (await gqlData<{ uploadBatch: { history: Entry[] } }>(t.url, auth, HISTORY, { id })).uploadBatch.history;
  const csvFor = (accounts: string[], tag: string) => `${HEADER}\n${accounts.map((a, i) => `${a},,,,${tag}${i}@example.com,✗`).join('\n')}\n`;

  it('names only statuses of the contract in the transitions table', () => {
    for (const t of Object.values(TRANSITIONS)) {
      for (const s of [...t.from, t.to]) expect(BATCH_STATUSES).toContain(s);
    }
  });

  it('records every status change with its time and who made it: API key prefix, user email, null for the system', async () => {
    const batch = await uploadAndValidate(t.url, auth, csvFor(ids.slice(0, 3), 'hist'));
    // The confirm comes from a dashboard user: their email is recorded.
    await gqlData(t.url, { cookie }, CONFIRM, { id: batch.id });
    await waitForStatus(t.url, auth, batch.id, ['COMPLETED']);
    const entries = await history(batch.id);
    expect(entries.map((e) => [e.status, e.by])).toEqual([
      ['AWAITING_UPLOAD', prefix],
      ['VALIDATING', prefix],
      ['VALIDATED', null],
      ['APPLYING', adminEmail],
      ['COMPLETED', null],
    ]);
    const times = entries.map((e) => Date.parse(e.at));
    expect(times.every((ms) => Number.isFinite(ms) && Math.abs(ms - Date.now()) < 120_000)).toBe(true);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    // Never a secret: the prefix only.
    expect(JSON.stringify(entries)).not.toContain(auth.apiKey);
  });

  it('two confirms at once: one apply, both answers harmless, one APPLYING in the history, each row applied once', async () => {
    const batch = await uploadAndValidate(t.url, auth, csvFor(ids.slice(10, 60), 'twice'));
    const answers = await Promise.all(Array.from({ length: 6 }, () => gql<{ confirmUploadBatch: { status: string } }>(t.url, auth, CONFIRM, { id: batch.id })));
    for (const a of answers) {
      expect(a.errors).toBeUndefined();
      expect(['APPLYING', 'COMPLETED']).toContain(a.data?.confirmUploadBatch.status);
    }
    const done = await waitForStatus(t.url, auth, batch.id, ['COMPLETED']);
    expect(done.summary.applied).toBe(50);
    expect((await history(batch.id)).filter((e) => e.status === 'APPLYING')).toHaveLength(1);
    const [{ n }] = await t.app.services.db.query<{ n: number | string }>('select count(*) as n from event where batch_id = $1', [batch.id]);
    expect(Number(n)).toBe(50);
  });

  it('expiry vs confirm: confirm refuses a batch past its date; the sweep never expires a batch a confirm moved on', async () => {
    // A batch past its expiry date that the hourly sweep has not reached yet.
    const late = await uploadAndValidate(t.url, auth, csvFor(ids.slice(60, 62), 'late'));
    await t.app.services.db.execute('update upload_batch set expires_at = $1 where id = $2', [new Date(Date.now() - 1000), late.id]);
    const refused = await gql(t.url, auth, CONFIRM, { id: late.id });
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' }, message: expect.stringMatching(/expired/i) });
    expect((await getBatch(t.url, auth, late.id))?.status).toBe('VALIDATED');

    // Confirmed in time; its expiry date then passes while it applies (the old sweep turned it EXPIRED and deleted its rows).
    const batch = await uploadAndValidate(t.url, auth, csvFor(ids.slice(70, 120), 'race'));
    await gqlData(t.url, auth, CONFIRM, { id: batch.id });
    await t.app.services.db.execute('update upload_batch set expires_at = $1 where id = $2', [new Date(Date.now() - 1000), batch.id]);
    // The sweep sees both past their date; only the unconfirmed one is still expirable.
    expect(await expireBatches(t.app.services)).toBe(1);
    const done = await waitForStatus(t.url, auth, batch.id, ['COMPLETED', 'EXPIRED']);
    expect(done.status).toBe('COMPLETED');
    expect(done.summary.applied).toBe(50);
    expect(await allRows(t.url, auth, batch.id)).toHaveLength(50);
    expect((await history(batch.id)).map((e) => e.status)).not.toContain('EXPIRED');

    // The one past its date and never confirmed expired, with a note, and lost its rows.
    const expired = await history(late.id);
    expect(expired.at(-1)).toMatchObject({ status: 'EXPIRED', by: null, note: expect.stringMatching(/expiry/i) });
    expect(await allRows(t.url, auth, late.id)).toEqual([]);
  });

  it('cancel vs validation: a cancel while validating wins; the job stops and its end (even a file rejection) cannot overwrite it', async () => {
    // 30,001 data rows: over the cap, so the file is rejected only at its end, long after the cancel.
    const lines = [HEADER];
    for (let i = 0; i <= 30_000; i++) lines.push(`${ids[i % ids.length]},,,,c${i}@example.com,✗`);
    const { batch, uploadUrl } = await createBatch(t.url, auth, { filename: 'too-many.csv' });
    expect((await putFile(uploadUrl, auth, `${lines.join('\n')}\n`)).status).toBe(202);
    const canceled = await gql<{ cancelUploadBatch: { status: string } }>(t.url, auth, CANCEL, { id: batch.id });
    expect(canceled.errors).toBeUndefined();
    expect(canceled.data?.cancelUploadBatch.status).toBe('CANCELED');
    // The job notices at its next chunk and stops: the upload file is removed when it ends.
    await t.app.services.jobs.idle();
    const after = await getBatch(t.url, auth, batch.id);
    expect(after?.status).toBe('CANCELED');
    expect(after?.fileError).toBeNull();
    const statuses = (await history(batch.id)).map((e) => e.status);
    expect(statuses).toEqual(['AWAITING_UPLOAD', 'VALIDATING', 'CANCELED']);
  });

  it('refuses what the transitions table does not allow, with CONFLICT naming the status', async () => {
    const batch = await uploadAndValidate(t.url, auth, csvFor(ids.slice(130, 131), 'once'));
    await gqlData(t.url, auth, CONFIRM, { id: batch.id });
    await waitForStatus(t.url, auth, batch.id, ['COMPLETED']);
    const cancel = await gql(t.url, auth, CANCEL, { id: batch.id });
    expect(cancel.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' }, message: expect.stringContaining('COMPLETED') });
    const { uploadUrl } = await createBatch(t.url, auth);
    await putFile(uploadUrl, auth, csvFor(ids.slice(131, 132), 'x'));
    const again = await putFile(uploadUrl, auth, csvFor(ids.slice(131, 132), 'x'));
    expect(again.status).toBe(409);
  });

  it('an apply that keeps failing is retried a bounded number of times, then ends FAILED with a message', async () => {
    const batch = await uploadAndValidate(t.url, auth, csvFor(ids.slice(140, 150), 'boom'));
    const db = t.app.services.db;
    // A fault in the outbox: every chunk's event insert fails, so every attempt rolls back.
    if (TEST_DB === 'postgres') {
      await db.execute(`create or replace function fail_events() returns trigger language plpgsql as $fn$ begin raise exception 'outbox unavailable'; end $fn$`);
      await db.execute('create trigger fail_events before insert on event for each row execute function fail_events()');
    } else {
      await db.execute(`create trigger fail_events before insert on event begin select raise(abort, 'outbox unavailable'); end`);
    }
    try {
      await gqlData(t.url, auth, CONFIRM, { id: batch.id });
      const failed = await waitForStatus(t.url, auth, batch.id, ['FAILED', 'COMPLETED'], 30_000);
      expect(failed.status).toBe('FAILED');
      const full = await gqlData<{ uploadBatch: { failureMessage: string; summary: { applied: number } } }>(
        t.url,
        auth,
        'query($id: ID!) { uploadBatch(id: $id) { failureMessage summary { applied } } }',
        { id: batch.id },
      );
      expect(full.uploadBatch.failureMessage).toMatch(/stopped on repeated internal errors/);
      expect(full.uploadBatch.summary.applied).toBe(0);
      expect((await history(batch.id)).map((e) => e.status)).toEqual(['AWAITING_UPLOAD', 'VALIDATING', 'VALIDATED', 'APPLYING', 'FAILED']);
      // Nothing half-applied: every chunk rolled back as a whole.
      const changed = await db.query<{ n: number | string }>(
        `select count(*) as n from connected_account where platform_id = $1 and email like 'boom%'`,
        [platformId],
      );
      expect(Number(changed[0].n)).toBe(0);
    } finally {
      await db.execute(TEST_DB === 'postgres' ? 'drop trigger fail_events on event' : 'drop trigger fail_events');
    }
  });

  it('purges the rows of ended batches after the expiry period; the batch and its history stay', async () => {
    const batch = await uploadAndValidate(t.url, auth, csvFor(ids.slice(160, 170), 'purge'));
    await gqlData(t.url, auth, CANCEL, { id: batch.id });
    expect(await allRows(t.url, auth, batch.id)).toHaveLength(10);
    // Not yet: canceled just now.
    await purgeEndedBatches(t.app.services);
    expect(await allRows(t.url, auth, batch.id)).toHaveLength(10);
    const days = t.app.services.env.BATCH_EXPIRY_DAYS;
    await purgeEndedBatches(t.app.services, new Date(Date.now() + (days + 1) * 86_400_000));
    expect(await allRows(t.url, auth, batch.id)).toEqual([]);
    const kept = await getBatch(t.url, auth, batch.id);
    expect(kept?.status).toBe('CANCELED');
    expect(kept?.summary.totalRows).toBe(10);
    expect((await history(batch.id)).map((e) => e.status)).toEqual(['AWAITING_UPLOAD', 'VALIDATING', 'VALIDATED', 'CANCELED']);
  });

  it.runIf(TEST_DB === 'postgres')(
    'updateConnectedAccount racing an apply chunk on the same account records one event, for the change that happened',
    async () => {
      const account = ids[200];
      const [{ email: original }] = await t.app.services.db.query<{ email: string | null }>(
        'select email from connected_account where platform_id = $1 and id = $2',
        [platformId, account],
      );
      const batch = await uploadAndValidate(t.url, auth, `${HEADER}\n${account},,,,from-batch@example.com,✗\n`);
      const db = t.app.services.db;
      // Hold an apply chunk of this batch open, as a running apply does, with the account already updated in it.
      await db.execute(`update upload_batch set status = 'APPLYING' where id = $1`, [batch.id]);
      const { applyChunk } = await import('../../server/src/modules/batches/apply/apply.job.js');
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const chunk = db.transaction(async (tx) => {
        const last = await applyChunk(tx, platformId, batch.id, 0, 10);
        await gate;
        return last;
      });
      await until(async () => {
        const rows = await db.query<{ n: number | string }>(
          `select count(*) as n from pg_locks l join pg_class c on c.oid = l.relation where c.relname = 'connected_account' and l.mode = 'RowExclusiveLock'`,
        );
        return Number(rows[0].n) > 0;
      }, 10_000, 'the apply chunk holding its row locks');
      // The edit reads the account as it was (the chunk is not committed) and then waits on its row lock.
      const edit = gql<{ updateConnectedAccount: { email: string } }>(
        t.url,
        auth,
        'mutation($id: ID!) { updateConnectedAccount(id: $id, input: { email: "from-edit@example.com" }) { email } }',
        { id: account },
      );
      await new Promise((r) => setTimeout(r, 300));
      release();
      expect(await chunk).toBe(2);
      const answer = await edit;
      expect(answer.errors).toBeUndefined();
      expect(answer.data?.updateConnectedAccount.email).toBe('from-edit@example.com');
      const events = await db.query<{ payload: string; batch_id: string | null }>('select payload, batch_id from event where account_id = $1 order by seq', [
        account,
      ]);
      const changes = events.map((e) => {
        const d = JSON.parse(e.payload).data;
        return [e.batch_id, d.previous_attributes.email, d.object.email];
      });
      // Exactly the two changes that happened, in order: the apply's, then the edit's on top of it.
      expect(changes.slice(-2)).toEqual([
        [batch.id, original, 'from-batch@example.com'],
        [null, 'from-batch@example.com', 'from-edit@example.com'],
      ]);
    },
  );
});
