import type { BareDb } from '../bare.js';
import type { Api } from '../client.js';
import { type CpuUse, watchCpu, watchPeak } from '../machine.js';
import { type BenchServer, waitLoggedMs } from '../server.js';
import { since } from '../stats.js';
import { createScratchEvent, SCRATCH_EVENT, tx } from './apply.js';

export interface RollbackResult {
  /** rollbackUploadBatch sent to ROLLED_BACK seen by the client (polling every 50 ms). */
  ms: number;
  jobMs: number | null;
  rolledBack: number;
  peakRssMb: number;
  mismatches: string[];
  cpu: CpuUse;
}

/** Rolls the COMPLETED apply-all batch back through the API and times it to ROLLED_BACK. */
export async function measureRollback(
  api: Api,
  server: BenchServer,
  bare: BareDb,
  batchId: string,
  expected: number,
  timeoutMs: number,
): Promise<RollbackResult> {
  const logFrom = server.logs.length;
  const cpu = await watchCpu(server.pid, () => bare.backendPids());
  const peak = watchPeak(server.pid);
  const start = performance.now();
  await api.rollback(batchId);
  await api.waitFor(batchId, ['ROLLED_BACK', 'FAILED'], timeoutMs);
  const ms = since(start);
  const peakRssMb = peak.stop();
  const jobMs = await waitLoggedMs(server.logs, 'batch rolled back', logFrom);
  const cpuUse = await cpu.stop();
  const [r] = await bare.query<{ status: string; rolled_back: number | string; rollback_conflicts: number | string }>(
    'select status, rolled_back, rollback_conflicts from upload_batch where id = $1',
    [batchId],
  );
  const rolledBack = Number(r.rolled_back);
  const mismatches: string[] = [];
  if (r.status !== 'ROLLED_BACK') mismatches.push(`status ${r.status}`);
  if (rolledBack !== expected) mismatches.push(`rolled back ${rolledBack} ≠ ${expected}`);
  if (Number(r.rollback_conflicts) !== 0) mismatches.push(`rollback conflicts ${r.rollback_conflicts}`);
  return { ms, jobMs, rolledBack, peakRssMb, mismatches, cpu: cpuUse };
}

/** The rollback's optimistic restore (rollback.job.ts), set-based over the whole batch at once. */
const RESTORE_ACCOUNTS = `update connected_account
    set email = r.current_email, version = connected_account.version + 1, updated_at = $1
   from batch_row r
  where r.batch_id = $2 and r.apply_status = 'APPLIED'
    and connected_account.platform_id = $3 and connected_account.id = r.account_id
    and connected_account.email is not distinct from r.new_email
    and (r.applied_version is null or connected_account.version = r.applied_version)`;

/** Puts the accounts back as the apply left them, version included (not timed). */
const UNDO_RESTORE = `update connected_account set email = r.new_email, version = r.applied_version
   from batch_row r
  where r.batch_id = $1 and r.apply_status = 'ROLLED_BACK'
    and connected_account.platform_id = $2 and connected_account.id = r.account_id`;

/** The same for the restore-only floor, whose rows stay APPLIED: accounts one version past the apply's. */
const UNDO_UNMARKED = `update connected_account set email = r.new_email, version = r.applied_version
   from batch_row r
  where r.batch_id = $1 and r.apply_status = 'APPLIED'
    and connected_account.platform_id = $2 and connected_account.id = r.account_id
    and connected_account.email is not distinct from r.current_email and connected_account.version = r.applied_version + 1`;

function rollbackEventJson(dialect: BareDb['dialect']): string {
  const obj = dialect === 'sqlite' ? 'json_object' : 'json_build_object';
  const yes = dialect === 'sqlite' ? 'json(\'true\')' : 'true';
  const body = `${obj}('id', 'evt_bench' || r.row_number, 'object', 'event', 'type', 'account.updated', 'created', $4,
      'data', ${obj}('object', ${obj}('id', a.id, 'object', 'account', 'email', r.current_email, 'business_name', a.business_name,
                                     'first_name', a.first_name, 'last_name', a.last_name),
                    'previous_attributes', ${obj}('email', r.new_email)),
      'upload_batch', r.batch_id, 'rollback', ${yes})`;
  return dialect === 'sqlite' ? body : `(${body.replace('$4', '$4::bigint')})::text`;
}

export interface RollbackFloorResult {
  /** The set-based restore of the accounts alone, committed. */
  updateMs: number;
  restored: number;
  /** The same plus the rows' status and one outbox row (JSON built in SQL) per restored row, committed. */
  withOutboxMs: number;
}

/**
 * Floors for the rollback, with the bare driver, on the COMPLETED batch before
 * the real rollback; each is committed and then undone (untimed, versions
 * included) so the real rollback finds the accounts as the apply left them.
 */
export async function rollbackFloor(bare: BareDb, batchId: string, platformId: string): Promise<RollbackFloorResult> {
  const now = new Date();
  const undo = async () => {
    await bare.execute(UNDO_RESTORE, [batchId, platformId]);
    await bare.execute(`update batch_row set apply_status = 'APPLIED' where batch_id = $1 and apply_status = 'ROLLED_BACK'`, [batchId]);
  };
  let start = performance.now();
  const restored = await tx(bare, () => bare.execute(RESTORE_ACCOUNTS, [now, batchId, platformId]));
  const updateMs = since(start);
  await bare.execute(UNDO_UNMARKED, [batchId, platformId]);

  await createScratchEvent(bare);
  try {
    start = performance.now();
    await tx(bare, async () => {
      await bare.execute(
        `insert into ${SCRATCH_EVENT} (id, platform_id, type, account_id, batch_id, row_number, is_rollback, payload, created_at)
         select 'evt_bench' || r.row_number, $1, 'account.updated', a.id, r.batch_id, r.row_number, 1, ${rollbackEventJson(bare.dialect)}, $2
           from batch_row r join connected_account a on a.platform_id = $1 and a.id = r.account_id
          where r.batch_id = $3 and r.apply_status = 'APPLIED' and a.email is not distinct from r.new_email
            and (r.applied_version is null or a.version = r.applied_version)`,
        [platformId, now, batchId, Math.floor(now.getTime() / 1000)],
      );
      await bare.execute(RESTORE_ACCOUNTS, [now, batchId, platformId]);
      await bare.execute(`update batch_row set apply_status = 'ROLLED_BACK' where batch_id = $1 and apply_status = 'APPLIED'`, [batchId]);
    });
    const withOutboxMs = since(start);
    await undo();
    return { updateMs, restored, withOutboxMs };
  } finally {
    await bare.execute(`drop table if exists ${SCRATCH_EVENT}`);
    if (bare.dialect === 'postgresql') await bare.execute(`drop sequence if exists ${SCRATCH_EVENT}_seq`);
  }
}
