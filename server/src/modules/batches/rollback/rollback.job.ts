import { JobHandedBack } from '../../../jobs/job-runner.js';
import { addEventCount } from '../../events/event-count.store.js';
import type { SqlTx } from '../../../db/sql.js';
import { idRandomChars, newIdRandomParts } from '../../../ids.js';
import type { Services } from '../../../services.js';
import { accountUpdatedEventSql } from '../../events/account-event.js';
import { nudgeWebhooks } from '../../webhooks/webhook.topics.js';
import { publishBatch } from '../batch.service.js';
import type { RowApplyStatus } from '../batch-row.codes.js';
import { UploadBatchStatus } from '../lifecycle/batch-status.js';
import { addRollbackCounts, batchesIn, holdBatch, transition } from '../store/batch.store.js';

export const ROLLBACK_JOB = 'batch.rollback';
const ROLLBACK_RETRY_MS = 2_000;
/** Attempts of one rollback (the first run and its retries) before the batch ends FAILED. */
export const ROLLBACK_MAX_ATTEMPTS = 6;
/** How many {@link RollbackRaceError}s, over the whole job, are retried before the attempt fails. */
const RACE_RETRIES = 5;

export const ROLLBACK_GAVE_UP_MESSAGE =
  'The rollback stopped on repeated internal errors. The accounts restored so far stay restored and sent their events; the others keep this batch’s emails. Contact support with the batch id.';

export interface RollbackPayload {
  batchId: string;
}

/** Accounts changed between a chunk's check and its update (PostgreSQL): the chunk rolls back and runs again. */
export class RollbackRaceError extends Error {}

const sql = (status: RowApplyStatus) => `'${status}'`;

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
  const inChunk = 'r.batch_id = $1 and r.row_number between $2 and $3';

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
        where ${inChunk} and r.apply_status = ${sql('ROLLED_BACK')}
          and connected_account.platform_id = $5 and connected_account.id = r.account_id
          and ${stillAsApplied('connected_account', 'r')}`,
      [batchId, lo, hi, now, platformId],
    );
    if (updated !== restored) throw new RollbackRaceError(`chunk ${lo}–${hi}: ${restored} rows marked, ${updated} accounts restored`);
    // The event's previous email is the one this batch had set; its email the restored one.
    const payload = accountUpdatedEventSql(
      (expr) => tx.jsonQuote(expr),
      {
        id: 'e.id',
        created: 'cast($6 as bigint)',
        accountId: 'e.account_id',
        email: 'e.email',
        businessName: 'e.business_name',
        firstName: 'e.first_name',
        lastName: 'e.last_name',
        previousEmail: 'e.new_email',
        batchId: 'e.batch_id',
      },
      { rollback: true },
    );
    const recorded = await tx.execute(
      `insert into event (id, platform_id, type, account_id, batch_id, row_number, is_rollback, payload, created_at)
       select e.id, $5, 'account.updated', e.account_id, e.batch_id, e.row_number, 1, ${payload}, $4
         from (select 'evt_' || ${tx.asciiSlice(7, `(cast(row_number() over (order by r.row_number) as integer) - 1) * ${idRandomChars} + 1`, idRandomChars)} as id,
                      r.batch_id, r.row_number, r.new_email,
                      a.id as account_id, a.email, a.business_name, a.first_name, a.last_name
                 from batch_row r join connected_account a on a.platform_id = $5 and a.id = r.account_id
                where ${inChunk} and r.apply_status = ${sql('ROLLED_BACK')}) e
        order by e.row_number`,
      [batchId, lo, hi, now, platformId, Math.floor(now.getTime() / 1000), Buffer.from(newIdRandomParts(restored, now), 'latin1')],
    );
    if (recorded !== restored) throw new Error(`chunk ${lo}–${hi}: ${restored} rows rolled back, ${recorded} events recorded`);
    await addEventCount(tx, platformId, 'account.updated', recorded);
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

/** The rollback job: chunk after chunk until no row is APPLIED, then ROLLED_BACK. Safe to run again. */
export async function rollbackBatch(services: Services, payload: RollbackPayload): Promise<void> {
  const { db, logger } = services;
  const log = logger.child({ batchId: payload.batchId });
  const [batch] = await db.query<{ platform_id: string; status: string }>('select platform_id, status from upload_batch where id = $1', [
    payload.batchId,
  ]);
  if (!batch || batch.status !== UploadBatchStatus.ROLLING_BACK) return;
  const started = Date.now();
  // The statistics of batch_row.apply_status are those of validation (every row PENDING): planned
  // with them, PostgreSQL expects no APPLIED row and reads the whole table for each chunk's range
  // (a parallel seq scan instead of the primary key; docs/PERFORMANCE.md, "Rollback").
  await db.analyze('batch_row');
  let after = 0;
  let races = 0;
  for (;;) {
    let last: number | null;
    try {
      last = await db.transaction((tx) => rollbackChunk(tx, batch.platform_id, payload.batchId, after, services.env.APPLY_CHUNK_ROWS));
    } catch (err) {
      if (!(err instanceof RollbackRaceError) || ++races > RACE_RETRIES) throw err;
      log.warn({ err }, 'accounts changed during a rollback chunk; running it again');
      continue;
    }
    if (last === null) break;
    after = last;
    nudgeWebhooks(services);
    await publishBatch(services, payload.batchId);
    if (services.shutdown.aborted) {
      log.info({ ms: Date.now() - started }, 'rollback paused for shutdown; it resumes from the next APPLIED row');
      throw new JobHandedBack(`rollback of ${payload.batchId} handed back after row ${after}`);
    }
  }
  const finished = await transition(db, payload.batchId, 'finishRollback', { now: new Date() });
  if (!finished) log.info('not finished: the batch is no longer ROLLING_BACK');
  const final = await publishBatch(services, payload.batchId);
  log.info({ ms: Date.now() - started, rolledBack: final?.summary.rolledBack, rollbackConflicts: final?.summary.rollbackConflicts }, 'batch rolled back');
}

/** Registers the rollback job, retried a bounded number of times (each chunk is all-or-nothing). */
export function registerRollbackJob(services: Services): void {
  const { jobs, logger } = services;
  jobs.register<RollbackPayload & { attempt?: number }>(ROLLBACK_JOB, async (p) => {
    const attempt = (p.attempt ?? 0) + 1;
    try {
      await rollbackBatch(services, p);
    } catch (err) {
      // Stopped between chunks for a shutdown: not a failed attempt.
      if (err instanceof JobHandedBack) throw err;
      if (attempt >= ROLLBACK_MAX_ATTEMPTS) {
        logger.error({ err, batchId: p.batchId, attempt }, 'rollback failed; giving up');
        await transition(services.db, p.batchId, 'fail', { set: { failure_message: ROLLBACK_GAVE_UP_MESSAGE } });
        await publishBatch(services, p.batchId);
        return;
      }
      logger.warn({ err, batchId: p.batchId, attempt }, 'rollback interrupted; retrying');
      await jobs.enqueue(
        ROLLBACK_JOB,
        { batchId: p.batchId, attempt },
        { delayMs: Math.min(ROLLBACK_RETRY_MS * attempt, 60_000), jobId: `rollback:${p.batchId}:retry:${attempt}` },
      );
    }
  });
}

/** Start-up: a batch left ROLLING_BACK resumes from its APPLIED rows (restored rows and their events committed together). */
export async function resumeRollbacks(services: Services): Promise<void> {
  for (const id of await batchesIn(services.db, UploadBatchStatus.ROLLING_BACK)) {
    services.logger.info({ batchId: id }, 'resuming rollback');
    await services.jobs.enqueue(ROLLBACK_JOB, { batchId: id }, { jobId: `rollback:${id}` });
  }
}
