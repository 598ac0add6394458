import type { Services } from '../../services.js';
import { type ApplyPayload, applyBatch } from './apply/apply.job.js';
import { APPLY_JOB, publishBatch, VALIDATE_JOB } from './batch.service.js';
import { type ValidatePayload, validateUpload } from './validation/validate.job.js';

export const EXPIRE_JOB = 'batch.expire';
const EXPIRY_SWEEP_MS = 60 * 60 * 1000;
const APPLY_RETRY_MS = 2_000;

/** Registers the batch jobs with the runner (validation, apply with retry, expiry). */
export function registerBatchJobs(services: Services): void {
  const { jobs, logger } = services;
  jobs.register<ValidatePayload>(VALIDATE_JOB, (p) => validateUpload(services, p));
  jobs.register<ApplyPayload & { attempt?: number }>(APPLY_JOB, async (p) => {
    try {
      await applyBatch(services, p);
    } catch (err) {
      // A lost connection or a busy database: try again; each chunk is all-or-nothing.
      const attempt = (p.attempt ?? 0) + 1;
      logger.warn({ err, batchId: p.batchId, attempt }, 'apply failed; retrying');
      await jobs.enqueue(APPLY_JOB, { batchId: p.batchId, attempt }, { delayMs: Math.min(APPLY_RETRY_MS * attempt, 60_000) });
    }
  });
  jobs.register(EXPIRE_JOB, async () => {
    await expireBatches(services);
  });
}

/** Expires unconfirmed batches past their date and purges their rows. */
export async function expireBatches(services: Services): Promise<number> {
  const { db } = services;
  const now = new Date();
  const due = await db.query<{ id: string }>(
    `select id from upload_batch where status in ('AWAITING_UPLOAD', 'VALIDATED', 'CANCELED') and expires_at < $1`,
    [now],
  );
  for (const { id } of due) {
    await db.transaction(async (tx) => {
      await tx.execute('delete from batch_row where batch_id = $1', [id]);
      await tx.execute(`update upload_batch set status = 'EXPIRED', updated_at = $1 where id = $2`, [now, id]);
    });
    await publishBatch(services, id);
  }
  if (due.length > 0) services.logger.info({ count: due.length }, 'expired unconfirmed batches');
  return due.length;
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
  const { db, logger, jobs } = services;
  if (!jobs.durable) await failInterruptedValidations(services);
  const applying = await db.query<{ id: string }>(`select id from upload_batch where status = 'APPLYING'`);
  for (const { id } of applying) {
    logger.info({ batchId: id }, 'resuming apply');
    await jobs.enqueue(APPLY_JOB, { batchId: id }, { jobId: `apply:${id}` });
  }
}

/** Embedded start: validations of the previous process can never finish; fail them and drop their files. */
async function failInterruptedValidations(services: Services): Promise<void> {
  const { db, logger } = services;
  const cut = await db.execute(
    // The total is the rows processed: the file's own total is only known once validation ends.
    `update upload_batch set status = 'FAILED', failure_message = $1, updated_at = $2, total_rows = processed_rows where status = 'VALIDATING'`,
    ['The server restarted while this file was being validated. Upload the file again in a new batch.', new Date()],
  );
  if (cut > 0) logger.warn({ count: cut }, 'batches interrupted during validation marked FAILED');
  // Uploads of batches that will never be validated now.
  await services.uploads.removeAll();
}

/** Runs the expiry sweep now and every hour (in-process timer; unref'd). */
export function scheduleExpiry(services: Services): () => void {
  const run = () => void services.jobs.enqueue(EXPIRE_JOB, {}, { jobId: 'expire' });
  run();
  const timer = setInterval(run, EXPIRY_SWEEP_MS);
  timer.unref();
  return () => clearInterval(timer);
}
