import type { Services } from '../../services.js';
import { APPLY } from './apply/apply.job.js';
import { publishBatch, VALIDATE_JOB } from './batch.service.js';
import { registerChunkedJob, resumeChunkedJob } from './chunked-job.js';
import { ROLLBACK } from './rollback/rollback.job.js';
import { registerSearchIndexJob, retireSearchIndexes } from './search/search-index.js';
import { deleteRows, expiredCandidates, purgeableBatches, purgeRows, transition, validatingBatches } from './store/batch.store.js';
import { retentionCutoff } from './lifecycle/transitions.js';
import { failBatch, type ValidatePayload, validateUpload } from './validation/validate.job.js';

export const EXPIRE_JOB = 'batch.expire';
const EXPIRY_SWEEP_MS = 60 * 60 * 1000;
/** Batches one sweep expires or purges at most (the next sweep takes the rest). */
const SWEEP_LIMIT = 500;

/** Registers the batch jobs with the runner (validation, apply and rollback with bounded retry, search indexes, expiry and retention). */
export function registerBatchJobs(services: Services): void {
  const { jobs } = services;
  jobs.register<ValidatePayload>(VALIDATE_JOB, (p) => validateUpload(services, p));
  registerChunkedJob(services, APPLY);
  registerChunkedJob(services, ROLLBACK);
  registerSearchIndexJob(services);
  jobs.register(EXPIRE_JOB, async () => {
    await expireBatches(services);
    await purgeEndedBatches(services);
    await retireSearchIndexes(services, new Date(), SWEEP_LIMIT);
  });
}

/**
 * Expires batches past their date that are still unconfirmed (or awaiting
 * approval). Each is one guarded statement (`… where status in (expirable) and
 * expires_at <= now`): a confirm that landed first wins, and the rows are
 * deleted only by the transaction whose statement won.
 */
export async function expireBatches(services: Services, now = new Date()): Promise<number> {
  const { db } = services;
  let expired = 0;
  for (const id of await expiredCandidates(db, now, SWEEP_LIMIT)) {
    const won = await db.transaction(async (tx) => {
      const moved = await transition(tx, id, 'expire', { expiredAt: now, now, note: 'Not confirmed before its expiry date.' });
      if (moved) await deleteRows(tx, id);
      return moved !== null;
    });
    if (!won) continue;
    expired++;
    await publishBatch(services, id);
  }
  if (expired > 0) services.logger.info({ count: expired }, 'expired unconfirmed batches');
  return expired;
}

/**
 * Retention: rows of batches that ended without changing anything (REJECTED,
 * FAILED, CANCELED, DECLINED, EXPIRED) are deleted once the expiry period has
 * passed since they ended; the batch, its counters and its history stay.
 */
export async function purgeEndedBatches(services: Services, now = new Date()): Promise<number> {
  const { db, env } = services;
  const before = retentionCutoff(now, env.BATCH_EXPIRY_DAYS);
  let rows = 0;
  const ids = await purgeableBatches(db, before, SWEEP_LIMIT);
  for (const id of ids) rows += await db.transaction((tx) => purgeRows(tx, id, now));
  if (ids.length > 0) services.logger.info({ batches: ids.length, rows }, 'purged the rows of ended batches');
  return ids.length;
}

/**
 * Start-up recovery. With the in-process runner, a batch left VALIDATING was
 * cut off mid-file (its job died with the process): it ends FAILED and the
 * user uploads again. With a durable runner (BullMQ) the job itself survives
 * and is retried from the stored upload, and another live worker may be
 * validating that batch right now, so VALIDATING batches are left alone. A
 * batch left APPLYING resumes from its PENDING rows (applied rows and their
 * events committed together, so none repeats; the jobId makes a second
 * enqueue while one is queued or running a no-op).
 */
export async function recoverBatches(services: Services): Promise<void> {
  if (!services.jobs.durable) await restartInterruptedValidations(services);
  await resumeChunkedJob(services, APPLY);
  await resumeChunkedJob(services, ROLLBACK);
}

export const INTERRUPTED_VALIDATION_MESSAGE =
  'The server restarted while this file was being validated. Upload the file again in a new batch.';

/**
 * Embedded start: the previous process's validations died with its queue. One whose whole file is
 * stored (handed back at shutdown, or cut by a crash after the upload ended) starts over from a
 * clean batch; one whose upload was cut, or whose file is gone, can never finish and ends FAILED.
 * Files no validation wants any more are dropped.
 */
async function restartInterruptedValidations(services: Services): Promise<void> {
  const restart: Array<{ id: string; platformId: string }> = [];
  let cut = 0;
  for (const batch of await validatingBatches(services.db)) {
    if (batch.uploaded && (await services.uploads.has(batch.id))) restart.push(batch);
    else if (await failBatch(services, batch.id, INTERRUPTED_VALIDATION_MESSAGE)) cut++;
  }
  if (cut > 0) services.logger.warn({ count: cut }, 'batches interrupted during validation marked FAILED (upload cut short or file gone)');
  await services.uploads.removeAll(new Set(restart.map((b) => b.id)));
  for (const { id, platformId } of restart) {
    services.logger.info({ batchId: id }, 'restarting validation');
    await services.jobs.enqueue<ValidatePayload>(VALIDATE_JOB, { batchId: id, platformId }, { jobId: `validate:${id}` });
  }
}

/** Runs the expiry sweep now and every hour (in-process timer; unref'd). */
export function scheduleExpiry(services: Services): () => void {
  const run = () => void services.jobs.enqueue(EXPIRE_JOB, {}, { jobId: 'expire' });
  run();
  const timer = setInterval(run, EXPIRY_SWEEP_MS);
  timer.unref();
  return () => clearInterval(timer);
}
