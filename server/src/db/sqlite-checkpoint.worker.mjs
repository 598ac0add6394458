// WAL checkpoints of the server's SQLite file, in a worker thread with its own
// connection (see sqlite-checkpoint.ts for why). Plain JavaScript that needs only
// better-sqlite3, so it loads the same under tsx, vitest and node.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

/** @type {{ file: string; driver: string; intervalMs: number }} */
const { file, driver, intervalMs } = workerData;
const Database = createRequire(driver)(driver);
const db = new Database(file, { fileMustExist: true });
// No waiting while the server runs: a TRUNCATE holds the write lock while it waits
// for readers, and the server's writes would wait behind it, synchronously, on its
// event loop. A busy TRUNCATE gives up at once and is tried at the next idle tick.
db.pragma('busy_timeout = 0');

let lastLog = -1;
let stopping = false;

function checkpoint(mode) {
  const [result] = db.pragma(`wal_checkpoint(${mode})`);
  return result;
}

function tick() {
  if (stopping) return;
  try {
    // PASSIVE copies the committed frames no reader still needs into the database
    // file, without taking the write lock: the server goes on committing meanwhile.
    const { log, checkpointed } = checkpoint('PASSIVE');
    // Nothing written since the last tick and everything copied: the server is idle,
    // so a TRUNCATE (which holds the write lock, briefly, as nothing is left to copy)
    // gives the WAL file's space back.
    if (log > 0 && log === checkpointed && log === lastLog) {
      const truncated = checkpoint('TRUNCATE');
      lastLog = truncated.busy ? log : 0;
    } else {
      lastLog = log;
    }
  } catch (err) {
    parentPort?.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
}

const timer = setInterval(tick, intervalMs);

parentPort?.on('message', (message) => {
  if (message?.type !== 'stop') return;
  stopping = true;
  clearInterval(timer);
  let result = null;
  try {
    // The server has closed its connection by now: waiting a little costs nobody.
    db.pragma('busy_timeout = 5000');
    result = checkpoint('TRUNCATE');
  } catch (err) {
    parentPort?.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
  db.close();
  parentPort?.postMessage({ type: 'stopped', result });
  parentPort?.close();
});

parentPort?.postMessage({ type: 'ready' });
