import { addEventCount } from '../../events/event-count.store.js';
import type { SqlTx } from '../../../db/sql.js';
import { JobHandedBack } from '../../../jobs/job-runner.js';
import { idRandomChars, newIdRandomParts } from '../../../ids.js';
import type { Services } from '../../../services.js';
import { accountUpdatedEventSql } from '../../events/account-event.js';
import { nudgeWebhooks } from '../../webhooks/webhook.topics.js';
import { publishBatch } from '../batch.service.js';
import type { RowApplyStatus } from '../batch-row.codes.js';
import { UploadBatchStatus } from '../lifecycle/batch-status.js';
import { addApplyCounts, holdBatch, transition } from '../store/batch.store.js';

export interface ApplyPayload {
  batchId: string;
}

/**
 * The accounts changed between a chunk's checks and its update (PostgreSQL: a
 * single-account edit committed in between). The chunk rolls back and runs again.
 */
export class ApplyRaceError extends Error {}

/** A row apply status as SQL text: a literal, so PostgreSQL can use the partial index on PENDING rows. */
const sql = (status: RowApplyStatus) => `'${status}'`;

/** How many {@link ApplyRaceError}s, over the whole job, are retried before the job gives up. */
const RACE_RETRIES = 5;

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
  const inChunk = `r.batch_id = $1 and r.row_number between $2 and $3`;

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
        where ${inChunk} and r.apply_status = ${sql('APPLIED')}
          and connected_account.platform_id = $5 and connected_account.id = r.account_id
          and connected_account.status not in ('closed', 'rejected')
          and connected_account.email is not distinct from r.current_email`,
      [batchId, lo, hi, now, platformId],
    );
    if (updated !== applied) throw new ApplyRaceError(`chunk ${lo}–${hi}: ${applied} rows marked, ${updated} accounts updated`);
    // Event k of the chunk (in row order) takes the k-th id of one bound string of id parts
    // (time-ordered, see newIdRandomParts: the unique index on event ids stays cheap to grow).
    const payload = accountUpdatedEventSql((expr) => tx.jsonQuote(expr), {
      id: 'e.id',
      created: 'cast($6 as bigint)',
      accountId: 'e.account_id',
      email: 'e.email',
      businessName: 'e.business_name',
      firstName: 'e.first_name',
      lastName: 'e.last_name',
      previousEmail: 'e.current_email',
      batchId: 'e.batch_id',
    });
    const recorded = await tx.execute(
      `insert into event (id, platform_id, type, account_id, batch_id, row_number, payload, created_at)
       select e.id, $5, 'account.updated', e.account_id, e.batch_id, e.row_number, ${payload}, $4
         from (select 'evt_' || ${tx.asciiSlice(7, `(cast(row_number() over (order by r.row_number) as integer) - 1) * ${idRandomChars} + 1`, idRandomChars)} as id,
                      r.batch_id, r.row_number, r.current_email,
                      a.id as account_id, a.email, a.business_name, a.first_name, a.last_name
                 from batch_row r join connected_account a on a.platform_id = $5 and a.id = r.account_id
                where ${inChunk} and r.apply_status = ${sql('APPLIED')}) e
        order by e.row_number`,
      [batchId, lo, hi, now, platformId, Math.floor(now.getTime() / 1000), Buffer.from(newIdRandomParts(applied, now), 'latin1')],
    );
    if (recorded !== applied) throw new Error(`chunk ${lo}–${hi}: ${applied} rows applied, ${recorded} events recorded`);
    await addEventCount(tx, platformId, 'account.updated', recorded);
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

/** The apply job: chunk after chunk until no row is PENDING, then COMPLETED. Safe to run again. */
export async function applyBatch(services: Services, payload: ApplyPayload): Promise<void> {
  const { db, logger } = services;
  const log = logger.child({ batchId: payload.batchId });
  const [batch] = await db.query<{ platform_id: string; status: string }>('select platform_id, status from upload_batch where id = $1', [
    payload.batchId,
  ]);
  if (!batch || batch.status !== UploadBatchStatus.APPLYING) return;
  const started = Date.now();
  try {
    // Row numbers start at 1; a resumed job starts here too and walks past the done rows once.
    let after = 0;
    let races = 0;
    for (;;) {
      // Between two chunks: a stopping process hands the rest back (resumed from the PENDING rows).
      if (services.shutdown.aborted) throw new JobHandedBack(`apply of ${payload.batchId} handed back after row ${after}`);
      let last: number | null;
      try {
        last = await db.transaction((tx) => applyChunk(tx, batch.platform_id, payload.batchId, after, services.env.APPLY_CHUNK_ROWS));
      } catch (err) {
        if (!(err instanceof ApplyRaceError) || ++races > RACE_RETRIES) throw err;
        log.warn({ err }, 'accounts changed during an apply chunk; running it again');
        continue;
      }
      if (last === null) break;
      after = last;
      // The chunk's events are committed: wake the delivery worker instead of waiting for its poll.
      nudgeWebhooks(services);
      await publishBatch(services, payload.batchId);
    }
    const now = new Date();
    const completed = await transition(db, payload.batchId, 'complete', { now, set: { completed_at: now } });
    if (!completed) log.info('not completed: the batch is no longer APPLYING');
    const final = await publishBatch(services, payload.batchId);
    log.info({ ms: Date.now() - started, ...final?.summary }, 'batch applied');
  } catch (err) {
    // Left APPLYING: the next start (or a retry) resumes from the PENDING rows.
    if (err instanceof JobHandedBack) log.info({ ms: Date.now() - started }, 'apply paused for shutdown; it resumes from the next PENDING row');
    else log.error({ err }, 'apply interrupted; it resumes at the next start');
    throw err;
  }
}
