import type { SqlTx } from '../../db/sql.js';
import { JobHandedBack } from '../../jobs/job-runner.js';
import type { Services } from '../../services.js';
import { nudgeWebhooks } from '../webhooks/webhook.topics.js';
import { publishBatch } from './batch.service.js';
import type { BatchAction } from './lifecycle/transitions.js';
import type { UploadBatchStatus } from './lifecycle/batch-status.js';
import { batchesIn, type TransitionColumns, transition } from './store/batch.store.js';
import { failBatch } from './validation/validate.job.js';

/**
 * Accounts changed between a chunk's check and its update (PostgreSQL: a single-account edit
 * committed in between, which the update's count reveals). The chunk rolls back and runs again.
 */
export class ChunkRaceError extends Error {}

/** How many {@link ChunkRaceError}s, over one run of a job, are retried before the run fails. */
const RACE_RETRIES = 5;

/** The chunked batch jobs. */
export type ChunkedJobNoun = 'apply' | 'rollback';

/** The job's name in the runner. */
export function chunkedJobName(noun: ChunkedJobNoun): string {
  return `batch.${noun}`;
}

export interface BatchJobPayload {
  batchId: string;
  /** Runs of this job that failed before this one (0 or absent: the first run). */
  attempt?: number;
}

/**
 * A batch job that walks the batch's rows chunk after chunk, each chunk one transaction
 * that leaves no row to do at or below its last row: the apply and the rollback.
 */
export interface ChunkedBatchJob {
  /** What it is called: its runner name is `batch.<noun>`, its job ids `<noun>:<batch id>`. */
  noun: ChunkedJobNoun;
  /** The status the batch holds while the job runs; the job does nothing to a batch in any other. */
  status: UploadBatchStatus;
  /** One chunk: the rows after row `after`, at most `limit`; its last row number, null when none is left. */
  chunk(tx: SqlTx, platformId: string, batchId: string, after: number, limit: number): Promise<number | null>;
  /** The transition that ends the job once no row is left. */
  finish: BatchAction;
  /** Columns the finishing transition sets with the status (the apply's completion time). */
  finishColumns?(now: Date): TransitionColumns;
  /** The log line of a finished job (the bench reads the job's time from it). */
  doneMessage: string;
  /** The batch's failure message when the job gives up after its last attempt. */
  gaveUpMessage: string;
  /** Runs once before the first chunk (e.g. refreshing planner statistics). */
  prepare?(services: Services): Promise<void>;
}

/**
 * Runs the job over one batch: chunk after chunk until none is left, then the finishing
 * transition. Safe to run again: a resumed run starts at row 0 and the first chunk finds the
 * first row still to do. Between two chunks a stopping process hands the rest back.
 */
export async function runChunkedJob(services: Services, job: ChunkedBatchJob, batchId: string): Promise<void> {
  const { db, logger } = services;
  const log = logger.child({ batchId, job: job.noun });
  const [batch] = await db.query<{ platform_id: string; status: string }>('select platform_id, status from upload_batch where id = $1', [batchId]);
  if (!batch || batch.status !== job.status) return;
  const started = Date.now();
  try {
    await job.prepare?.(services);
    let after = 0;
    let races = 0;
    for (;;) {
      if (services.shutdown.aborted) throw new JobHandedBack(`${job.noun} of ${batchId} handed back after row ${after}`);
      let last: number | null;
      try {
        last = await db.transaction((tx) => job.chunk(tx, batch.platform_id, batchId, after, services.env.APPLY_CHUNK_ROWS));
      } catch (err) {
        if (!(err instanceof ChunkRaceError) || ++races > RACE_RETRIES) throw err;
        log.warn({ err }, `accounts changed during a ${job.noun} chunk; running it again`);
        continue;
      }
      if (last === null) break;
      after = last;
      // The chunk's events are committed: wake the delivery worker instead of waiting for its poll.
      nudgeWebhooks(services);
      await publishBatch(services, batchId);
    }
    const now = new Date();
    const finished = await transition(db, batchId, job.finish, { now, set: job.finishColumns?.(now) });
    if (!finished) log.info(`${job.noun} not finished: the batch is no longer ${job.status}`);
    const final = await publishBatch(services, batchId);
    log.info({ ms: Date.now() - started, ...final?.summary }, job.doneMessage);
  } catch (err) {
    // Left in its status: the next start (or a retry) resumes from the rows still to do.
    if (err instanceof JobHandedBack) log.info({ ms: Date.now() - started }, `${job.noun} paused for shutdown; it resumes where it stopped`);
    else log.error({ err }, `${job.noun} interrupted`);
    throw err;
  }
}

/**
 * Registers the job with a bounded retry: a lost connection or a busy database runs it again
 * later (each chunk is all-or-nothing); after `APPLY_MAX_ATTEMPTS` runs the batch ends FAILED
 * with the job's message. A shutdown's hand-back is not a failed attempt.
 */
export function registerChunkedJob(services: Services, job: ChunkedBatchJob): void {
  const { jobs, logger, env } = services;
  jobs.register<BatchJobPayload>(chunkedJobName(job.noun), async (p) => {
    const attempt = (p.attempt ?? 0) + 1;
    try {
      await runChunkedJob(services, job, p.batchId);
    } catch (err) {
      if (err instanceof JobHandedBack) throw err;
      if (attempt >= env.APPLY_MAX_ATTEMPTS) {
        logger.error({ err, batchId: p.batchId, attempt }, `${job.noun} failed; giving up`);
        await failBatch(services, p.batchId, job.gaveUpMessage);
        await publishBatch(services, p.batchId);
        return;
      }
      logger.warn({ err, batchId: p.batchId, attempt }, `${job.noun} failed; retrying`);
      await jobs.enqueue<BatchJobPayload>(
        chunkedJobName(job.noun),
        { batchId: p.batchId, attempt },
        { delayMs: Math.min(env.APPLY_RETRY_BASE_MS * attempt, 60_000), jobId: `${job.noun}:${p.batchId}:retry:${attempt}` },
      );
    }
  });
}

/** Starts the job for a batch (the job id makes a second start while one is queued or running a no-op). */
export function startChunkedJob(services: Services, noun: ChunkedJobNoun, batchId: string): Promise<void> {
  return services.jobs.enqueue<BatchJobPayload>(chunkedJobName(noun), { batchId }, { jobId: `${noun}:${batchId}` });
}

/** Start-up: every batch left in the job's status resumes from the rows still to do. */
export async function resumeChunkedJob(services: Services, job: ChunkedBatchJob): Promise<void> {
  for (const id of await batchesIn(services.db, job.status)) {
    services.logger.info({ batchId: id }, `resuming ${job.noun}`);
    await startChunkedJob(services, job.noun, id);
  }
}
