// Whole-table reads of the server's SQLite file (a batch's grouping, a download's pages), in a
// worker thread with its own connection (see sqlite-scans.ts for why). Plain JavaScript that
// needs only better-sqlite3, so it loads the same under tsx, vitest and node.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

/** @type {{ file: string; driver: string }} */
const { file, driver } = workerData;
const Database = createRequire(driver)(driver);
const db = new Database(file, { fileMustExist: true });
// Reads only: a write sent here by mistake fails instead of taking the write lock.
db.pragma('query_only = ON');
// In WAL a reader waits only while another connection recovers the WAL; then briefly.
db.pragma('busy_timeout = 5000');

const MAX_PREPARED = 200;
const statements = new Map();

parentPort?.on('message', (message) => {
  if (message?.type === 'stop') {
    db.close();
    parentPort?.close();
    return;
  }
  const { id, sql, params, columns } = message;
  try {
    let stmt = statements.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      if (statements.size >= MAX_PREPARED) statements.clear();
      statements.set(sql, stmt);
    }
    const rows = stmt.all(...params);
    parentPort?.postMessage({ id, rows, columns: columns ? stmt.columns() : undefined });
  } catch (err) {
    parentPort?.postMessage({ id, error: err instanceof Error ? err.message : String(err), code: err?.code });
  }
});

parentPort?.postMessage({ type: 'ready' });
