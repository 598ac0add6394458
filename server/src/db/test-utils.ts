import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openOrm } from './orm.js';
import { createSqlDatabase, type SqlDatabase } from './sql.js';

/** Unit tests of SQL run on SQLite always, and on PostgreSQL too when the suites run there (TEST_DB=postgres). */
export const TEST_DIALECTS: Array<'sqlite' | 'postgresql'> = process.env.TEST_DB === 'postgres' ? ['sqlite', 'postgresql'] : ['sqlite'];

const ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A migrated database of its own for one test file; `close` drops it. */
export interface ScratchDatabase {
  db: SqlDatabase;
  close(): Promise<void>;
}

/** A fresh migrated database: a SQLite file in a temp dir, or a new PostgreSQL database named `cc_<prefix>_…`. */
export async function openScratchDatabase(dialect: 'sqlite' | 'postgresql', prefix: string): Promise<ScratchDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), `comms-${prefix}-`));
    const orm = await openOrm({ dialect: 'sqlite', file: join(dir, 'test.db') });
    const db = createSqlDatabase(orm);
    return {
      db,
      close: async () => {
        await db.close();
        await orm.close(true);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `cc_${prefix}_${process.pid}_${Date.now().toString(36)}`;
  const admin = await openOrm({ dialect: 'postgresql', url: ADMIN_URL });
  await createSqlDatabase(admin).execute(`create database ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const orm = await openOrm({ dialect: 'postgresql', url: url.toString() });
  const db = createSqlDatabase(orm);
  return {
    db,
    close: async () => {
      await db.close();
      await orm.close(true);
      await createSqlDatabase(admin).execute(`drop database if exists ${name} with (force)`);
      await admin.close(true);
    },
  };
}
