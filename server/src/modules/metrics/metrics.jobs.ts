import type { SqlDatabase } from '../../db/sql.js';
import { JobHandedBack, type JobHandler, type JobRunner } from '../../jobs/job-runner.js';
import { APPLY_JOB, VALIDATE_JOB } from '../batches/batch.service.js';
import type { JobOutcome, Metrics } from './metrics.registry.js';

/** Rows a batch job has done so far, read before and after it runs (a resumed apply starts part-way). */
const ROWS_DONE: Record<string, { phase: 'validation' | 'apply'; sql: string }> = {
  [VALIDATE_JOB]: { phase: 'validation', sql: 'select processed_rows as n from upload_batch where id = $1' },
  [APPLY_JOB]: { phase: 'apply', sql: 'select applied + conflicts + failed as n from upload_batch where id = $1' },
};

/**
 * The job seam with metrics: every handler's duration by outcome, and the rows per second of each
 * validation and apply. Wraps whichever runner the app picked, so neither runner nor feature knows.
 */
export class InstrumentedJobRunner implements JobRunner {
  constructor(
    private readonly inner: JobRunner,
    private readonly metrics: Metrics,
    private readonly db: SqlDatabase,
  ) {}

  get durable(): boolean {
    return this.inner.durable;
  }

  register<P>(name: string, handler: JobHandler<P>): void {
    const rows = ROWS_DONE[name];
    this.inner.register<P>(name, async (payload) => {
      const batchId = rows ? (payload as { batchId?: unknown })?.batchId : undefined;
      const before = typeof batchId === 'string' ? await this.rowsDone(rows.sql, batchId) : null;
      const started = performance.now();
      let outcome: JobOutcome = 'done';
      try {
        await handler(payload);
      } catch (err) {
        outcome = err instanceof JobHandedBack ? 'handed_back' : 'failed';
        throw err;
      } finally {
        const seconds = (performance.now() - started) / 1000;
        this.metrics.jobDuration.observe({ job: name, outcome }, seconds);
        if (outcome === 'done' && before !== null && typeof batchId === 'string' && seconds > 0) {
          const after = await this.rowsDone(rows.sql, batchId);
          if (after !== null && after > before) this.metrics.rowsPerSecond.observe({ phase: rows.phase }, (after - before) / seconds);
        }
      }
    });
  }

  private async rowsDone(sql: string, batchId: string): Promise<number | null> {
    const [r] = await this.db.query<{ n: number | string }>(sql, [batchId]).catch(() => []);
    return r ? Number(r.n) : null;
  }

  enqueue<P>(name: string, payload: P, opts?: { delayMs?: number; jobId?: string }): Promise<void> {
    return this.inner.enqueue(name, payload, opts);
  }

  idle(): Promise<void> {
    return this.inner.idle();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
