import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../logger.js';

/** What the caller keeps: stop the checkpoints (a last TRUNCATE, then the worker ends). */
export interface WalCheckpointer {
  close(): Promise<void>;
}

export interface WalCheckpointerOptions {
  /** How often the worker copies the WAL into the database file. */
  intervalMs?: number;
  /** Called when the worker cannot run: the caller turns the connection's own autocheckpoint back on. */
  onFailure?: (err: Error) => void;
}

const DEFAULT_INTERVAL_MS = 500;

/**
 * The driver the ORM loads, resolved from the ORM's SQLite package: the server
 * package does not depend on better-sqlite3 itself, and the worker must load the
 * very same native module.
 */
export function betterSqlitePath(): string {
  const fromOrm = createRequire(createRequire(import.meta.url).resolve('@mikro-orm/better-sqlite'));
  return fromOrm.resolve('better-sqlite3');
}

/**
 * WAL checkpoints off the event loop. better-sqlite3 is synchronous, so a
 * checkpoint run by the server's own connection (SQLite's autocheckpoint runs
 * inside the COMMIT that crosses the threshold) copies tens of MB on the event
 * loop: 300–700 ms stalls during an apply. Here a worker thread with its own
 * connection runs `wal_checkpoint(PASSIVE)` every `intervalMs` (it never takes the
 * write lock), a TRUNCATE when the server has been idle for a tick, and a last
 * TRUNCATE at close. The server's connection must have `wal_autocheckpoint = 0`
 * (`openOrm(…, { backgroundCheckpoints: true })`); processes without this worker
 * (CLI, tests opening the ORM) keep SQLite's autocheckpoint.
 */
export async function startWalCheckpointer(file: string, logger: Logger, options: WalCheckpointerOptions = {}): Promise<WalCheckpointer> {
  let stopping = false;
  let failed = false;
  const fail = (err: Error) => {
    if (failed || stopping) return;
    failed = true;
    logger.error({ err }, 'WAL checkpoint worker failed; the server connection checkpoints the WAL itself from now on');
    options.onFailure?.(err);
  };
  let worker: Worker;
  try {
    worker = new Worker(new URL('./sqlite-checkpoint.worker.mjs', import.meta.url), {
      workerData: { file, driver: betterSqlitePath(), intervalMs: options.intervalMs ?? DEFAULT_INTERVAL_MS },
      // Plain JavaScript: the parent's loaders (tsx) would only slow its start.
      execArgv: [],
    });
    await new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`exited with code ${code} before it was ready`)));
      worker.once('message', () => resolve());
    });
  } catch (err) {
    fail(err instanceof Error ? err : new Error(String(err)));
    return { close: async () => {} };
  }
  worker.removeAllListeners();
  worker.on('message', (message: { type: string; message?: string }) => {
    if (message.type === 'error') logger.warn({ error: message.message }, 'WAL checkpoint failed; retried at the next tick');
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`WAL checkpoint worker exited with code ${code}`)));
  // The worker's timer must not keep alive a process that has nothing else to do.
  worker.unref();

  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= new Promise<void>((resolve) => {
        if (failed) return resolve();
        stopping = true;
        // The worker answers `stop` with a last TRUNCATE, closes its connection and ends.
        const force = setTimeout(() => void worker.terminate(), 10_000);
        force.unref();
        worker.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        // Unref'd while it runs; now the process must stay up for the last TRUNCATE and the exit
        // event (otherwise, with nothing else left, the loop ended before close() resolved).
        worker.ref();
        worker.postMessage({ type: 'stop' });
      });
      return closing;
    },
  };
}
