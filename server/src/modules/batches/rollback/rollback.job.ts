import type { SqlTx } from '../../../db/sql.js';
import { recordChunkEvents } from '../../events/account-event.js';
import { applyStatusSql as sql } from '../batch-row.codes.js';
import { type ChunkedBatchJob, ChunkRaceError } from '../chunked-job.js';
import { UploadBatchStatus } from '../lifecycle/batch-status.js';
import { addRollbackCounts, holdBatch } from '../store/batch.store.js';

/**
 * The account (alias `a`, row `r`) still holds exactly what this batch set: its
 * email, and the version the apply produced (an edit or a later batch bumps it,
 * even back to the same email). Rows applied before the version was recorded
 * compare the email only.
 */
const stillAsApplied = (a: string, r: string) =>
  `${a}.email is not distinct from ${r}.new_email and (${r}.applied_version is null or ${a}.version = ${r}.applied_version)`;

/**
 * Rolls back one chunk in one transaction: the next `limit` APPLIED rows after
 * row `after`. The discipline of the apply (apply.job.ts): batch row lock
 * first, rows marked ROLLED_BACK where the account still holds what the batch
 * set, those accounts given their previous email back (counts compared), one
 * `account.updated` event per restored row with `"rollback": true` (unique on
 * (batch_id, row_number, is_rollback)), the rest ROLLBACK_CONFLICT, counters.
 * A crash rolls the chunk back; no APPLIED row is left at or below its last row,
 * so a resumed job (cursor 0) starts at the first row still to do.
 */
export async function rollbackChunk(tx: SqlTx, platformId: string, batchId: string, after: number, limit: number): Promise<number | null> {
  const now = new Date();
  if (!(await holdBatch(tx, batchId, UploadBatchStatus.ROLLING_BACK, { now }))) return null;
  const [range] = await tx.query<{ n: number | string; lo: number | null; hi: number | null }>(
    `select count(*) as n, min(row_number) as lo, max(row_number) as hi from (
       select row_number from batch_row where batch_id = $1 and row_number > $2 and apply_status = ${sql('APPLIED')}
        order by row_number limit $3) p`,
    [batchId, after, limit],
  );
  if (Number(range.n) === 0) return null;
  const lo = Number(range.lo);
  const hi = Number(range.hi);

  const restored = await tx.execute(
    `update batch_row set apply_status = ${sql('ROLLED_BACK')}
      where batch_id = $1 and row_number between $2 and $3 and apply_status = ${sql('APPLIED')}
        and exists (select 1 from connected_account a where a.platform_id = $4 and a.id = batch_row.account_id
                      and ${stillAsApplied('a', 'batch_row')})`,
    [batchId, lo, hi, platformId],
  );
  if (restored > 0) {
    const updated = await tx.execute(
      `update connected_account
          set email = r.current_email, version = connected_account.version + 1, updated_at = $4
         from batch_row r
        where r.batch_id = $1 and r.row_number between $2 and $3 and r.apply_status = ${sql('ROLLED_BACK')}
          and connected_account.platform_id = $5 and connected_account.id = r.account_id
          and ${stillAsApplied('connected_account', 'r')}`,
      [batchId, lo, hi, now, platformId],
    );
    if (updated !== restored) throw new ChunkRaceError(`chunk ${lo}–${hi}: ${restored} rows marked, ${updated} accounts restored`);
    // The event's previous email is the one this batch had set; its email the restored one.
    const recorded = await recordChunkEvents(tx, {
      platformId,
      batchId,
      lo,
      hi,
      rowStatus: 'ROLLED_BACK',
      previousEmail: 'new_email',
      rollback: true,
      count: restored,
      at: now,
    });
    if (recorded !== restored) throw new Error(`chunk ${lo}–${hi}: ${restored} rows rolled back, ${recorded} events recorded`);
  }
  // The rest changed since this batch set them (edited, a later batch): left as they are.
  const conflicts = await tx.execute(
    `update batch_row set apply_status = ${sql('ROLLBACK_CONFLICT')}
      where batch_id = $1 and row_number between $2 and $3 and apply_status = ${sql('APPLIED')}`,
    [batchId, lo, hi],
  );
  await addRollbackCounts(tx, batchId, { rolledBack: restored, conflicts }, now);
  return hi;
}

/** The rollback: chunk after chunk until no row is APPLIED, then ROLLED_BACK (chunked-job.ts runs it). */
export const ROLLBACK: ChunkedBatchJob = {
  noun: 'rollback',
  status: UploadBatchStatus.ROLLING_BACK,
  chunk: rollbackChunk,
  finish: 'finishRollback',
  doneMessage: 'batch rolled back',
  gaveUpMessage:
    'The rollback stopped on repeated internal errors. The accounts restored so far stay restored and sent their events; the others keep this batch’s emails. Contact support with the batch id.',
  // The statistics of batch_row.apply_status are those of validation (every row PENDING): planned
  // with them, PostgreSQL expects no APPLIED row and reads the whole table for each chunk's range
  // (a parallel seq scan instead of the primary key; docs/PERFORMANCE.md, "Rollback"). SQLite keeps
  // no per-value statistics, so its seam skips this (sql.ts, analyzeValues).
  prepare: (services) => services.db.analyzeValues('batch_row'),
};
