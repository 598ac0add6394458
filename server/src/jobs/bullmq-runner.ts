import { DelayedError, type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { JobHandedBack, type JobHandler, type JobRunner } from './job-runner.js';

/** The one queue every job goes through; handlers are picked by job name. */
const QUEUE_NAME = 'jobs';

/** Where and how the BullMQ runner works. */
export interface BullMqRunnerOptions {
  /** redis:// or rediss:// URL. */
  url: string;
  /** Key prefix, so several deployments or test runs can share one Redis. */
  prefix: string;
  /** Lock duration and stalled-job check interval (ms). */
  lockMs: number;
  /** Jobs this process runs at once. */
  concurrency: number;
}

/**
 * Runs jobs on BullMQ: one queue, one Worker per process that registered
 * handlers, dispatch by job name. A process that registers nothing (an API
 * instance) only enqueues. Jobs survive a crash: a job whose worker dies is
 * detected as stalled and run again by another worker, so handlers must be
 * idempotent (they are: see job-runner.ts).
 */
export class BullMqJobRunner implements JobRunner {
  readonly durable = true;
  private readonly handlers = new Map<string, JobHandler<unknown>>();
  private readonly connection: Redis;
  private readonly queue: Queue;
  private worker: Worker | undefined;
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly options: BullMqRunnerOptions,
    private readonly logger: Logger,
  ) {
    // BullMQ's blocking commands need maxRetriesPerRequest: null (it refuses otherwise for workers).
    this.connection = new Redis(options.url, { maxRetriesPerRequest: null });
    this.connection.on('error', (err) => this.logger.warn({ err }, 'redis (jobs) connection error'));
    this.queue = new Queue(QUEUE_NAME, { connection: this.connection, prefix: options.prefix });
    this.queue.on('error', (err) => this.logger.warn({ err }, 'job queue error'));
  }

  register<P>(name: string, handler: JobHandler<P>): void {
    this.handlers.set(name, handler as JobHandler<unknown>);
    if (this.worker) return;
    // Handlers are registered together at start; the worker begins taking jobs on the next turn
    // of the event loop, so no job arrives before its handler is known.
    const worker = new Worker(QUEUE_NAME, (job, token) => this.dispatch(job, token), {
      connection: this.connection,
      prefix: this.options.prefix,
      concurrency: this.options.concurrency,
      lockDuration: this.options.lockMs,
      stalledInterval: this.options.lockMs,
      // A job whose worker died is re-run; past this many deaths it is dropped (the batch stays
      // VALIDATING/APPLYING, and an APPLYING one is resumed by the next worker start).
      maxStalledCount: 3,
      autorun: false,
    });
    worker.on('error', (err) => this.logger.warn({ err }, 'job worker error'));
    worker.on('failed', (job, err) => this.logger.error({ job: job?.name, err }, 'job failed'));
    this.worker = worker;
    setImmediate(() => {
      if (!this.closed) void worker.run().catch((err: unknown) => this.logger.error({ err }, 'job worker stopped'));
    });
  }

  private async dispatch(job: Job, token: string | undefined): Promise<void> {
    const handler = this.handlers.get(job.name);
    if (!handler) throw new Error(`No handler registered for job ${job.name}`);
    const started = Date.now();
    const p = handler(job.data);
    const tracked = p.then(
      () => undefined,
      () => undefined,
    );
    this.running.add(tracked);
    try {
      await p;
      this.logger.debug({ job: job.name, ms: Date.now() - started }, 'job done');
    } catch (err) {
      if (!(err instanceof JobHandedBack) || token === undefined) throw err;
      // Back to the queue at once, for whichever worker is next (this one is stopping); DelayedError
      // tells BullMQ the job moved on purpose, neither completed nor failed.
      await job.moveToDelayed(Date.now(), token);
      this.logger.info({ job: job.name, ms: Date.now() - started }, 'job handed back at shutdown');
      throw new DelayedError();
    } finally {
      this.running.delete(tracked);
    }
  }

  async enqueue<P>(name: string, payload: P, opts: { delayMs?: number; jobId?: string } = {}): Promise<void> {
    if (this.closed) return;
    await this.queue.add(name, payload, {
      // BullMQ ignores an add whose jobId is waiting, delayed or active: the same dedup as in-process.
      // It reserves ':' in ids, so ours (`apply:<id>`) are rewritten.
      jobId: opts.jobId?.replaceAll(':', '-'),
      delay: opts.delayMs && opts.delayMs > 0 ? opts.delayMs : undefined,
      // Finished jobs are removed so the same jobId can be enqueued again (a resumed apply, the next
      // webhook round); durable state lives in the database, not in job history.
      removeOnComplete: true,
      removeOnFail: true,
    });
  }

  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Worker.close waits for the jobs this process is running; queued ones stay for other workers.
    await this.worker?.close();
    await this.queue.close();
    await this.connection.quit().catch(() => this.connection.disconnect());
  }
}
