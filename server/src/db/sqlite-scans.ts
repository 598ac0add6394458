import { Worker } from 'node:worker_threads';
import { betterSqlitePath } from './sqlite-checkpoint.js';

/** A column of a result as better-sqlite3 describes it. */
export interface SqliteColumn {
  name: string;
  column: string | null;
  type: string | null;
}

/** A statement ready for the worker: `?` placeholders and the bound values in their order. */
export interface BoundStatement {
  sql: string;
  params: unknown[];
}

type Reply = { id: number; rows?: unknown[]; columns?: SqliteColumn[]; error?: string; code?: string };

/**
 * Reads that take seconds on a big batch (a grouping of all its rows, a download's pages) run on a
 * worker thread with a connection of its own. better-sqlite3 is synchronous: on the server's thread
 * one such statement stops every request and socket until it ends (measured: ~2 s for the
 * shared-emails grouping of 500,000 rows, 2.2 s for a template page; docs/PERFORMANCE.md). In WAL
 * the worker's reads see the last commit and never wait for the writer.
 *
 * Started on first use; `close` ends it. If the worker cannot start or dies, `run` rejects and the
 * caller's seam falls back to reading on the server's thread.
 */
export class SqliteScanWorker {
  private worker: Worker | null = null;
  private starting: Promise<Worker> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(reply: Reply): void; reject(err: Error): void }>();
  /** Set once the worker failed: the seam stops using it. */
  failed = false;

  constructor(private readonly file: string) {}

  /** Runs one read; `columns` asks for the result's column types (the first time a statement runs). */
  async run(statement: BoundStatement, columns: boolean): Promise<{ rows: unknown[]; columns?: SqliteColumn[] }> {
    const worker = await this.start();
    const id = this.nextId++;
    const reply = await new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ id, sql: statement.sql, params: statement.params, columns });
    });
    if (reply.error !== undefined) throw Object.assign(new Error(reply.error), { code: reply.code });
    return { rows: reply.rows ?? [], columns: reply.columns };
  }

  private start(): Promise<Worker> {
    if (this.worker) return Promise.resolve(this.worker);
    this.starting ??= new Promise<Worker>((resolve, reject) => {
      const worker = new Worker(new URL('./sqlite-scan.worker.mjs', import.meta.url), {
        workerData: { file: this.file, driver: betterSqlitePath() },
        // Plain JavaScript: the parent's loaders (tsx) would only slow its start.
        execArgv: [],
      });
      const early = (err: Error) => {
        this.failed = true;
        reject(err);
      };
      const earlyExit = (code: number) => early(new Error(`scan worker exited with code ${code} before it was ready`));
      worker.once('error', early);
      worker.once('exit', earlyExit);
      worker.once('message', () => {
        // Only our listeners: removeAllListeners would also drop the ones by which Node keeps
        // the worker's port referenced while 'message' has listeners (replies then never came).
        worker.off('error', early);
        worker.off('exit', earlyExit);
        worker.on('message', (reply: Reply) => {
          const waiter = this.pending.get(reply.id);
          if (!waiter) return;
          this.pending.delete(reply.id);
          // Idle, it must not keep alive a process that has nothing else to do.
          if (this.pending.size === 0) worker.unref();
          waiter.resolve(reply);
        });
        const lost = (err: Error) => {
          this.failed = true;
          this.worker = null;
          for (const waiter of this.pending.values()) waiter.reject(err);
          this.pending.clear();
        };
        worker.on('error', lost);
        worker.on('exit', (code) => lost(new Error(`scan worker exited with code ${code}`)));
        worker.unref();
        this.worker = worker;
        resolve(worker);
      });
    });
    return this.starting;
  }

  /** Ends the worker and its connection (before the database file is closed or removed). */
  async close(): Promise<void> {
    const worker = this.worker ?? (await this.starting?.catch(() => null)) ?? null;
    this.worker = null;
    this.starting = null;
    if (!worker) return;
    this.failed = true;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => void worker.terminate(), 5_000);
      force.unref();
      worker.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      worker.postMessage({ type: 'stop' });
    });
  }
}
