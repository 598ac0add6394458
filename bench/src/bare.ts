import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';

export type Dialect = 'sqlite' | 'postgresql';

/**
 * The bare driver (better-sqlite3 or pg) on the bench database, for floors,
 * checks and clean-up between runs. `$1…` placeholders on both dialects.
 */
export interface BareDb {
  readonly dialect: Dialect;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  execute(sql: string, params?: unknown[]): Promise<number>;
  /** The better-sqlite3 handle (SQLite only). */
  readonly sqlite?: Database.Database;
  /** The pg client (PostgreSQL only). */
  readonly pg?: pg.Client;
  /** PostgreSQL backend processes serving other connections to this database (the server's pool). */
  backendPids(): Promise<number[]>;
  close(): Promise<void>;
}

export interface BenchDatabase {
  dialect: Dialect;
  /** DATABASE_URL for the server. */
  url: string;
  /** Scratch directory (uploads, generated files, the SQLite file). */
  dir: string;
  connect(): Promise<BareDb>;
  drop(): Promise<void>;
}

const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function sqliteValue(v: unknown): unknown {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Date) return v.getTime();
  return v;
}

/** `$n` → `?`, with the parameters reordered to match (as server/src/db/sql.ts does). */
export function sqliteSql(sql: string): { text: string; order: number[] } {
  const order: number[] = [];
  const text = sql.replace(/\$(\d+)/g, (_m, n: string) => {
    order.push(Number(n) - 1);
    return '?';
  });
  return { text, order };
}

function openSqlite(file: string): BareDb {
  const db = new Database(file);
  // The server's pragmas (server/src/db/orm.ts), so the floors pay the same durability.
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 10000');
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 20000');
  db.pragma('foreign_keys = ON');
  const prep = (sql: string, params: unknown[]) => {
    const { text, order } = sqliteSql(sql);
    return { stmt: db.prepare(text), args: order.map((i) => sqliteValue(params[i] ?? null)) };
  };
  return {
    dialect: 'sqlite',
    sqlite: db,
    async query<T>(sql: string, params: unknown[] = []) {
      const { stmt, args } = prep(sql, params);
      return stmt.all(...args) as T[];
    },
    async execute(sql: string, params: unknown[] = []) {
      const { stmt, args } = prep(sql, params);
      return stmt.run(...args).changes;
    },
    async backendPids() {
      return [];
    },
    async close() {
      db.close();
    },
  };
}

async function openPg(url: string): Promise<BareDb> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    dialect: 'postgresql',
    pg: client,
    async query<T>(sql: string, params: unknown[] = []) {
      return (await client.query(sql, params)).rows as T[];
    },
    async execute(sql: string, params: unknown[] = []) {
      return (await client.query(sql, params)).rowCount ?? 0;
    },
    async backendPids() {
      const rows = await client.query<{ pid: number }>(
        'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
      );
      return rows.rows.map((r) => r.pid);
    },
    async close() {
      await client.end();
    },
  };
}

/** A throwaway database: a SQLite file in a temp dir, or a fresh PostgreSQL database dropped afterwards. */
export async function createBenchDatabase(dialect: Dialect): Promise<BenchDatabase> {
  const dir = mkdtempSync(join(tmpdir(), `comms-bench-${dialect}-`));
  if (dialect === 'sqlite') {
    const file = join(dir, 'bench.db');
    return {
      dialect,
      url: `sqlite:${file}`,
      dir,
      connect: async () => openSqlite(file),
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `cc_bench_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    dialect,
    url: url.toString(),
    dir,
    connect: () => openPg(url.toString()),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Whether PostgreSQL answers at the admin URL. */
export async function postgresAvailable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2_000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}
