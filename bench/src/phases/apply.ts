import type { BareDb } from '../bare.js';
import type { Api, BatchState } from '../client.js';
import { type CpuUse, watchCpu, watchPeak } from '../machine.js';
import { type BenchServer, waitLoggedMs } from '../server.js';
import { since } from '../stats.js';

export interface ApplyResult {
  /** confirmUploadBatch sent to COMPLETED seen by the client (polling every 50 ms). */
  ms: number;
  jobMs: number | null;
  peakRssMb: number;
  state: BatchState;
  mismatches: string[];
  /** CPU used meanwhile by the server process and by the PostgreSQL backends. */
  cpu: CpuUse;
}

export async function measureApply(
  api: Api,
  server: BenchServer,
  bare: BareDb,
  batchId: string,
  expectedApplied: number,
  timeoutMs: number,
): Promise<ApplyResult> {
  const logFrom = server.logs.length;
  const cpu = await watchCpu(server.pid, () => bare.backendPids());
  const peak = watchPeak(server.pid);
  const start = performance.now();
  await api.confirm(batchId);
  const state = await api.waitFor(batchId, ['COMPLETED'], timeoutMs);
  const ms = since(start);
  const peakRssMb = peak.stop();
  const jobMs = await waitLoggedMs(server.logs, 'batch applied', logFrom);
  const cpuUse = await cpu.stop();
  const s = state.summary;
  const mismatches: string[] = [];
  if (s.applied !== expectedApplied) mismatches.push(`applied ${s.applied} ≠ ${expectedApplied}`);
  if (s.conflicts || s.failed) mismatches.push(`conflicts ${s.conflicts}, failed ${s.failed}`);
  return { ms, jobMs, peakRssMb, state, mismatches, cpu: cpuUse };
}

/** The apply's optimistic update (apply.job.ts), set-based over the whole batch at once. */
const UPDATE_ACCOUNTS = `update connected_account
    set email = r.new_email, version = connected_account.version + 1, updated_at = $1
   from batch_row r
  where r.batch_id = $2 and r.apply_status = 'PENDING'
    and connected_account.platform_id = $3 and connected_account.id = r.account_id
    and connected_account.status not in ('closed', 'rejected')
    and connected_account.email is not distinct from r.current_email`;

/** Puts the accounts back as validation saw them (not timed). */
const REVERT_ACCOUNTS = `update connected_account set email = r.current_email
   from batch_row r
  where r.batch_id = $1 and r.apply_status in ('PENDING', 'APPLIED') and r.change in ('ADD', 'REPLACE')
    and connected_account.platform_id = $2 and connected_account.id = r.account_id
    and connected_account.email is not distinct from r.new_email`;

export const SCRATCH_EVENT = 'bench_scratch_event';

function eventJson(dialect: BareDb['dialect']): string {
  const obj = dialect === 'sqlite' ? 'json_object' : 'json_build_object';
  const body = `${obj}('id', 'evt_bench' || r.row_number, 'object', 'event', 'type', 'account.updated', 'created', $4,
      'data', ${obj}('object', ${obj}('id', a.id, 'object', 'account', 'email', r.new_email, 'business_name', a.business_name,
                                     'first_name', a.first_name, 'last_name', a.last_name),
                    'previous_attributes', ${obj}('email', r.current_email)),
      'upload_batch', r.batch_id)`;
  return dialect === 'sqlite' ? body : `(${body.replace('$4', '$4::bigint')})::text`;
}

export async function tx<T>(bare: BareDb, fn: () => Promise<T>): Promise<T> {
  await bare.execute(bare.dialect === 'sqlite' ? 'begin immediate' : 'begin');
  try {
    const out = await fn();
    await bare.execute('commit');
    return out;
  } catch (err) {
    await bare.execute('rollback').catch(() => 0);
    throw err;
  }
}

export interface ApplyFloorResult {
  /** The set-based UPDATE … FROM of the accounts alone, committed. */
  updateMs: number;
  updated: number;
  /** The same plus the rows' apply status and one outbox row (JSON built in SQL) per applied row, committed. */
  withOutboxMs: number;
}

/**
 * Floors for the apply, with the bare driver, on the batch while it is still
 * VALIDATED; each is committed and then undone (untimed) so the real apply
 * finds the same accounts. The outbox floor writes to a scratch copy of the
 * `event` table (same indexes) so the real outbox sequence stays gap-free.
 */
export async function applyFloor(bare: BareDb, batchId: string, platformId: string): Promise<ApplyFloorResult> {
  const now = new Date();
  let start = performance.now();
  const updated = await tx(bare, () => bare.execute(UPDATE_ACCOUNTS, [now, batchId, platformId]));
  const updateMs = since(start);
  await bare.execute(REVERT_ACCOUNTS, [batchId, platformId]);

  await createScratchEvent(bare);
  try {
    start = performance.now();
    await tx(bare, async () => {
      await bare.execute(
        `insert into ${SCRATCH_EVENT} (id, platform_id, type, account_id, batch_id, row_number, payload, created_at)
         select 'evt_bench' || r.row_number, $1, 'account.updated', a.id, r.batch_id, r.row_number, ${eventJson(bare.dialect)}, $2
           from batch_row r join connected_account a on a.platform_id = $1 and a.id = r.account_id
          where r.batch_id = $3 and r.apply_status = 'PENDING' and a.status not in ('closed', 'rejected')
            and a.email is not distinct from r.current_email`,
        [platformId, now, batchId, Math.floor(now.getTime() / 1000)],
      );
      await bare.execute(UPDATE_ACCOUNTS, [now, batchId, platformId]);
      await bare.execute(`update batch_row set apply_status = 'APPLIED' where batch_id = $1 and apply_status = 'PENDING'`, [batchId]);
    });
    const withOutboxMs = since(start);
    await bare.execute(REVERT_ACCOUNTS, [batchId, platformId]);
    await bare.execute(`update batch_row set apply_status = 'PENDING' where batch_id = $1 and apply_status = 'APPLIED'`, [batchId]);
    return { updateMs, updated, withOutboxMs };
  } finally {
    await bare.execute(`drop table if exists ${SCRATCH_EVENT}`);
    if (bare.dialect === 'postgresql') await bare.execute(`drop sequence if exists ${SCRATCH_EVENT}_seq`);
  }
}

/** A copy of `event` (columns, indexes) with its own sequence. */
export async function createScratchEvent(bare: BareDb): Promise<void> {
  await bare.execute(`drop table if exists ${SCRATCH_EVENT}`);
  if (bare.sqlite) {
    const ddl = bare.sqlite.prepare("select sql from sqlite_master where tbl_name = 'event' and sql is not null order by type desc").all() as Array<{
      sql: string;
    }>;
    for (const { sql } of ddl) bare.sqlite.exec(sql.replace(/\bevent\b/g, SCRATCH_EVENT).replace(/\bevent_/g, `${SCRATCH_EVENT}_`));
  } else {
    await bare.execute(`drop sequence if exists ${SCRATCH_EVENT}_seq`);
    await bare.execute(`create sequence ${SCRATCH_EVENT}_seq`);
    await bare.execute(`create table ${SCRATCH_EVENT} (like event including defaults including indexes including constraints)`);
    await bare.execute(`alter table ${SCRATCH_EVENT} alter column seq set default nextval('${SCRATCH_EVENT}_seq')`);
  }
}

/**
 * Between runs (not timed): the accounts a batch changed get their old email
 * back, and the batch's rows and outbox events are deleted, so every run
 * starts from the same data. Events are deleted only once the webhook fan-out
 * cursor has passed them (a hole before the cursor would stall it).
 */
export async function resetAfterBatch(bare: BareDb, batchId: string, platformId: string): Promise<void> {
  await bare.execute(REVERT_ACCOUNTS, [batchId, platformId]);
  const hasFanout =
    Number(
      (
        await bare.query<{ n: number | string }>(
        bare.dialect === 'sqlite'
          ? "select count(*) as n from sqlite_master where type = 'table' and name = 'webhook_fanout'"
          : "select count(*) as n from information_schema.tables where table_name = 'webhook_fanout'",
      )
    )[0].n,
    ) > 0;
  if (hasFanout) {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const [r] = await bare.query<{ behind: number | string }>(
        'select count(*) as behind from event where seq > (select last_seq from webhook_fanout where id = 1)',
      );
      if (Number(r.behind) === 0 || Date.now() > deadline) break;
      await new Promise((res) => setTimeout(res, 200));
    }
  }
  await bare.execute('delete from event where batch_id = $1', [batchId]);
  await bare.execute('delete from batch_row where batch_id = $1', [batchId]);
  // VACUUM only: the planner statistics stay those of the server's own ANALYZE (earlier
  // batches), as in production (see docs/PERFORMANCE.md, PostgreSQL validation).
  if (bare.dialect === 'postgresql') await bare.execute('vacuum connected_account, batch_row, event');
  else await bare.query('pragma wal_checkpoint(truncate)');
}
