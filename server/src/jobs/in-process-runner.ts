import type { Logger } from '../logger.js';
import { JobHandedBack, type JobHandler, type JobRunner } from './job-runner.js';

/**
 * Runs jobs on this process's event loop with bounded concurrency. Nothing is
 * persisted here: durable work (apply, webhook delivery) keeps its own state
 * in the database and is re-enqueued at start, so a lost queue loses nothing.
 */
export class InProcessJobRunner implements JobRunner {
  readonly durable = false;
  private readonly handlers = new Map<string, JobHandler<unknown>>();
  private readonly running = new Set<Promise<void>>();
  private readonly queued: Array<() => Promise<void>> = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly activeIds = new Set<string>();
  private active = 0;
  private closed = false;

  constructor(
    private readonly logger: Logger,
    private readonly concurrency = 4,
  ) {}

  register<P>(name: string, handler: JobHandler<P>): void {
    this.handlers.set(name, handler as JobHandler<unknown>);
  }

  async enqueue<P>(name: string, payload: P, opts: { delayMs?: number; jobId?: string } = {}): Promise<void> {
    if (this.closed) return;
    const handler = this.handlers.get(name);
    if (!handler) throw new Error(`No handler registered for job ${name}`);
    // The same jobId while one is pending or running is a no-op, as in BullMQ.
    if (opts.jobId && this.activeIds.has(opts.jobId)) return;
    if (opts.jobId) this.activeIds.add(opts.jobId);
    const run = async () => {
      const started = Date.now();
      try {
        await handler(payload);
        this.logger.debug({ job: name, ms: Date.now() - started }, 'job done');
      } catch (err) {
        if (err instanceof JobHandedBack) this.logger.info({ job: name, ms: Date.now() - started }, 'job handed back at shutdown');
        else this.logger.error({ job: name, err }, 'job failed');
      } finally {
        if (opts.jobId) this.activeIds.delete(opts.jobId);
      }
    };
    if (opts.delayMs && opts.delayMs > 0) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.schedule(run);
      }, opts.delayMs);
      timer.unref();
      this.timers.add(timer);
      return;
    }
    this.schedule(run);
  }

  private schedule(run: () => Promise<void>): void {
    if (this.closed) return;
    if (this.active >= this.concurrency) {
      this.queued.push(run);
      return;
    }
    this.active++;
    const p = run().finally(() => {
      this.active--;
      this.running.delete(p);
      const next = this.queued.shift();
      if (next) this.schedule(next);
    });
    this.running.add(p);
  }

  async idle(): Promise<void> {
    while (this.running.size > 0 || this.queued.length > 0) {
      await Promise.allSettled([...this.running]);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.queued.length = 0;
    await Promise.allSettled([...this.running]);
  }
}
