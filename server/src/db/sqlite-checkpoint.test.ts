import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../config/env.js';
import { createLogger } from '../logger.js';
import { openOrm } from './orm.js';
import { createSqlDatabase } from './sql.js';
import { startWalCheckpointer } from './sqlite-checkpoint.js';

const dir = mkdtempSync(join(tmpdir(), 'comms-wal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const walSize = (file: string) => (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0);

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return check();
}

describe('WAL checkpoints in a worker thread', () => {
  it('copies the WAL while the server connection never checkpoints, truncates it when idle, and at close', async () => {
    const file = join(dir, 'server.db');
    const orm = await openOrm(parseEnv({ DATABASE_URL: `sqlite:${file}` }).database, undefined, { backgroundCheckpoints: true });
    const db = createSqlDatabase(orm);
    const [setting] = await db.query<{ wal_autocheckpoint: number }>('pragma wal_autocheckpoint');
    expect(setting.wal_autocheckpoint).toBe(0);
    const checkpoints = await startWalCheckpointer(file, createLogger('silent'), { intervalMs: 30 });
    await db.execute('create table t (k integer primary key, v text)');
    // ~8 MB of WAL in 10 commits: SQLite's default autocheckpoint (1,000 pages) would have run.
    for (let c = 0; c < 10; c++) {
      await db.transaction(async (tx) => {
        for (let i = 0; i < 200; i++) await tx.execute('insert into t (v) values ($1)', ['x'.repeat(4_000)]);
      });
    }
    expect(walSize(file)).toBeGreaterThan(4_000_000);
    // Idle: the worker copies everything, then truncates the WAL to nothing.
    expect(await until(() => walSize(file) === 0, 5_000)).toBe(true);
    const [count] = await db.query<{ n: number }>('select count(*) as n from t');
    expect(count.n).toBe(2_000);
    await orm.close();
    await checkpoints.close();
    expect(walSize(file)).toBe(0);
  });

  it('a process without the worker (CLI, tests) keeps the connection’s own autocheckpoint', async () => {
    const orm = await openOrm(parseEnv({ DATABASE_URL: `sqlite:${join(dir, 'cli.db')}` }).database);
    const [setting] = await createSqlDatabase(orm).query<{ wal_autocheckpoint: number }>('pragma wal_autocheckpoint');
    expect(setting.wal_autocheckpoint).toBeGreaterThan(0);
    await orm.close();
  });

  it('reports a worker that cannot start, so the caller falls back', async () => {
    let failure: Error | undefined;
    const checkpoints = await startWalCheckpointer(join(dir, 'missing', 'nothing.db'), createLogger('silent'), {
      onFailure: (err) => {
        failure = err;
      },
    });
    expect(failure).toBeInstanceOf(Error);
    await checkpoints.close();
  });
});
