import type { SqlTx } from '../../../db/sql.js';
import { recordChunkEvents } from '../../events/account-event.js';
import { applyStatusSql as sql } from '../batch-row.codes.js';
import { type ChunkedBatchJob, ChunkRaceError } from '../chunked-job.js';
import { UploadBatchStatus } from '../lifecycle/batch-status.js';
import { addApplyCounts, holdBatch } from '../store/batch.store.js';

/**
 * Applies one chunk in one transaction: the next `limit` PENDING rows after row
 * `after` (keyset: no scan from the batch's start, no index on the status
 * needed). Set-based, whatever the chunk's size: rows whose account is
 * unchanged since validation are marked APPLIED, their accounts updated, one
 * outbox event per applied row written by `insert … select` (JSON built in SQL),
 * the rest marked CONFLICT (account changed) or FAILED (account gone or no
 * longer eligible), and the batch counters bumped.
 *
 * Exactly once: the chunk first takes the batch's row lock (PostgreSQL; SQLite
 * has one writer anyway), so two appliers of one batch run chunk after chunk;
 * every chunk leaves no PENDING row at or below its last row, so the rows before
 * the first PENDING one are all done and a resumed apply (cursor 0) finds it; a
 * crash rolls the whole chunk back; and `event (batch_id, row_number)` is unique.
 * Returns the chunk's last row number, or null when nothing is left to apply.
 */
export async function applyChunk(tx: SqlTx, platformId: string, batchId: string, after: number, limit: number): Promise<number | null> {
  const now = new Date();
  if (!(await holdBatch(tx, batchId, UploadBatchStatus.APPLYING, { now }))) return null;
  const [range] = await tx.query<{ n: number | string; lo: number | null; hi: number | null }>(
    `select count(*) as n, min(row_number) as lo, max(row_number) as hi from (
       select row_number from batch_row where batch_id = $1 and row_number > $2 and apply_status = ${sql('PENDING')}
        order by row_number limit $3) p`,
    [batchId, after, limit],
  );
  if (Number(range.n) === 0) return null;
  const lo = Number(range.lo);
  const hi = Number(range.hi);

  // The optimistic check: the account is still eligible and its email still the one
  // validation saw. Duplicated accounts are INVALID, so an account id names one
  // PENDING row: marked rows and updated accounts match one to one, so do their counts.
  // applied_version: the version the account update below gives it (a rollback restores only
  // accounts still at it; if another writer slips in between, the rollback sees a conflict).
  const applied = await tx.execute(
    `update batch_row set apply_status = ${sql('APPLIED')},
        applied_version = (select a.version + 1 from connected_account a where a.platform_id = $4 and a.id = batch_row.account_id)
      where batch_id = $1 and row_number between $2 and $3 and apply_status = ${sql('PENDING')}
        and exists (select 1 from connected_account a where a.platform_id = $4 and a.id = batch_row.account_id
                      and a.status not in ('closed', 'rejected') and a.email is not distinct from batch_row.current_email)`,
    [batchId, lo, hi, platformId],
  );
  if (applied > 0) {
    // UPDATE … FROM and IS NOT DISTINCT FROM read the same on SQLite (≥ 3.39) and
    // PostgreSQL. The condition is checked again: on PostgreSQL another transaction
    // may have changed an account since the rows were marked (the update waits for
    // it and skips the row), which the count reveals.
    const updated = await tx.execute(
      `update connected_account
          set email = r.new_email, version = connected_account.version + 1, updated_at = $4
         from batch_row r
        where r.batch_id = $1 and r.row_number between $2 and $3 and r.apply_status = ${sql('APPLIED')}
          and connected_account.platform_id = $5 and connected_account.id = r.account_id
          and connected_account.status not in ('closed', 'rejected')
          and connected_account.email is not distinct from r.current_email`,
      [batchId, lo, hi, now, platformId],
    );
    if (updated !== applied) throw new ChunkRaceError(`chunk ${lo}–${hi}: ${applied} rows marked, ${updated} accounts updated`);
    const recorded = await recordChunkEvents(tx, {
      platformId,
      batchId,
      lo,
      hi,
      rowStatus: 'APPLIED',
      previousEmail: 'current_email',
      rollback: false,
      count: applied,
      at: now,
    });
    if (recorded !== applied) throw new Error(`chunk ${lo}–${hi}: ${applied} rows applied, ${recorded} events recorded`);
  }
  // Rows left PENDING in the chunk were not applied: the account changed since
  // validation (CONFLICT) or is gone or no longer eligible (FAILED).
  const conflicts = await tx.execute(
    `update batch_row set apply_status = ${sql('CONFLICT')}
      where batch_id = $1 and row_number between $2 and $3 and apply_status = ${sql('PENDING')}
        and exists (select 1 from connected_account a where a.platform_id = $4 and a.id = batch_row.account_id
                      and a.status not in ('closed', 'rejected'))`,
    [batchId, lo, hi, platformId],
  );
  const failed = await tx.execute(
    `update batch_row set apply_status = ${sql('FAILED')} where batch_id = $1 and row_number between $2 and $3 and apply_status = ${sql('PENDING')}`,
    [batchId, lo, hi],
  );
  await addApplyCounts(tx, batchId, { applied, conflicts, failed }, now);
  return hi;
}

/** The apply: chunk after chunk until no row is PENDING, then COMPLETED (chunked-job.ts runs it). */
export const APPLY: ChunkedBatchJob = {
  noun: 'apply',
  status: UploadBatchStatus.APPLYING,
  chunk: applyChunk,
  finish: 'complete',
  finishColumns: (now) => ({ completed_at: now }),
  doneMessage: 'batch applied',
  gaveUpMessage:
    'The apply stopped on repeated internal errors. The rows applied so far stay applied and sent their events; the others were not applied. Contact support with the batch id.',
};
