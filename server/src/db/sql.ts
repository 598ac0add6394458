import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { MikroORM } from '@mikro-orm/core';
import type { EntityManager as SqlEntityManager } from '@mikro-orm/knex';

/** A value a bulk statement can bind: dialects differ on booleans and dates, the seam hides it. */
export type SqlValue = string | number | bigint | boolean | Date | Uint8Array | null;

/**
 * One connection inside one transaction. SQL uses `$1, $2…` placeholders on
 * both dialects (SQLite reads them as numbered parameters).
 */
export interface SqlTx {
  query<T = Record<string, unknown>>(sql: string, params?: SqlValue[]): Promise<T[]>;
  execute(sql: string, params?: SqlValue[]): Promise<number>;
  /** A multi-row insert of `rows` (each an array in `columns` order), chunked to the dialect's limits. */
  insertMany(table: string, columns: string[], rows: SqlValue[][], onConflict?: string): Promise<void>;
}

/**
 * The database seam for set-based work. The ORM's unit of work is for single
 * objects; bulk paths (seed, validation, apply, outbox) go through this, with
 * an embedded implementation (SQLite) and a scale-out one (PostgreSQL).
 */
export interface SqlDatabase extends Omit<SqlTx, 'insertMany'> {
  readonly dialect: 'sqlite' | 'postgresql';
  transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>;
  /** `for update skip locked` where the dialect has it; SQLite serialises writers anyway. */
  readonly skipLocked: string;
  /** Keeps planner statistics fresh after a bulk load (PostgreSQL ANALYZE). */
  analyze(table: string): Promise<void>;
}

// biome-ignore lint/suspicious/noExplicitAny: knex's client type does not expose its pool API
type KnexClient = any;

function knexClient(orm: MikroORM): KnexClient {
  return (orm.em as unknown as SqlEntityManager).getKnex().client;
}

async function withConnection<T>(orm: MikroORM, fn: (conn: unknown) => Promise<T>): Promise<T> {
  const client = knexClient(orm);
  const conn = await client.acquireConnection();
  try {
    return await fn(conn);
  } finally {
    await client.releaseConnection(conn);
  }
}

/** Builds the seam for an initialised ORM. */
export function createSqlDatabase(orm: MikroORM): SqlDatabase {
  const driver = orm.config.get('driver')?.name ?? '';
  return driver.toLowerCase().includes('postgre') ? postgresDatabase(orm) : sqliteDatabase(orm);
}

// ---------------------------------------------------------------- SQLite

interface BetterSqlite {
  prepare(sql: string): {
    all(...params: unknown[]): unknown[];
    run(...params: unknown[]): { changes: number };
    reader: boolean;
  };
  inTransaction: boolean;
  exec(sql: string): void;
}

function sqliteValue(v: SqlValue): unknown {
  if (typeof v === 'boolean') return v ? 1 : 0;
  // The ORM stores dates as epoch milliseconds on SQLite; raw paths do the same.
  if (v instanceof Date) return v.getTime();
  return v;
}

/**
 * better-sqlite3 binds positional `?` only, so `$n` placeholders become `?` and
 * the parameters are reordered (and repeated) to match where each `$n` stood.
 */
function sqliteSql(sql: string): { text: string; order: number[] } {
  const order: number[] = [];
  const text = sql.replace(/\$(\d+)/g, (_m, n: string) => {
    order.push(Number(n) - 1);
    return '?';
  });
  return { text, order };
}

type PreparedCache = Map<string, { stmt: ReturnType<BetterSqlite['prepare']>; order: number[] }>;
// Prepared statements live as long as their connection: preparing costs more than
// running a chunk's lookup, and the same few statements run thousands of times.
const preparedByConnection = new WeakMap<BetterSqlite, PreparedCache>();
const MAX_PREPARED = 500;

function sqliteTx(db: BetterSqlite): SqlTx {
  let cache = preparedByConnection.get(db);
  if (!cache) {
    cache = new Map();
    preparedByConnection.set(db, cache);
  }
  const statements = cache;
  const prepare = (sql: string) => {
    let entry = statements.get(sql);
    if (!entry) {
      const { text, order } = sqliteSql(sql);
      entry = { stmt: db.prepare(text), order };
      // Statements built with a variable number of placeholders vary; keep the cache bounded.
      if (statements.size >= MAX_PREPARED) statements.clear();
      statements.set(sql, entry);
    }
    const { stmt, order } = entry;
    const bind = (params: SqlValue[]) => order.map((i) => sqliteValue(params[i] ?? null));
    return {
      all: (params: SqlValue[]) => stmt.all(...bind(params)),
      run: (params: SqlValue[]) => stmt.run(...bind(params)),
    };
  };
  const tx: SqlTx = {
    async query<T>(sql: string, params: SqlValue[] = []) {
      return prepare(sql).all(params) as T[];
    },
    async execute(sql, params = []) {
      return prepare(sql).run(params).changes;
    },
    async insertMany(table, columns, rows, onConflict = '') {
      if (rows.length === 0) return;
      // One prepared single-row statement run many times inside the transaction is
      // as fast as multi-row VALUES on SQLite and has no parameter limit.
      const marks = columns.map((_, i) => `$${i + 1}`).join(', ');
      const stmt = prepare(`insert into ${table} (${columns.join(', ')}) values (${marks}) ${onConflict}`);
      for (const row of rows) stmt.run(row);
    },
  };
  return tx;
}

function sqliteDatabase(orm: MikroORM): SqlDatabase {
  // A single connection: statements are synchronous, so a chunk's transaction
  // runs start to end without another caller interleaving on the connection.
  const run = <T>(fn: (tx: SqlTx) => Promise<T>) =>
    withConnection(orm, (conn) => fn(sqliteTx(conn as BetterSqlite)));
  return {
    dialect: 'sqlite',
    skipLocked: '',
    query: (sql, params) => run((tx) => tx.query(sql, params)),
    execute: (sql, params) => run((tx) => tx.execute(sql, params)),
    transaction: (fn) =>
      withConnection(orm, async (conn) => {
        const db = conn as BetterSqlite;
        db.exec('begin immediate');
        try {
          const result = await fn(sqliteTx(db));
          db.exec('commit');
          return result;
        } catch (err) {
          if (db.inTransaction) db.exec('rollback');
          throw err;
        }
      }).finally(() =>
        // better-sqlite3 is synchronous: a loop of transactions would otherwise run
        // entirely in microtasks and starve HTTP requests until it ends.
        yieldToEventLoop(),
      ),
    analyze: async (table) => {
      await run((tx) => tx.execute(`analyze ${table}`));
    },
  };
}

// ---------------------------------------------------------------- PostgreSQL

interface PgClient {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

const PG_MAX_PARAMS = 60_000;

function pgTx(client: PgClient): SqlTx {
  return {
    async query<T>(sql: string, params: SqlValue[] = []) {
      return (await client.query(sql, params)).rows as T[];
    },
    async execute(sql, params = []) {
      return (await client.query(sql, params)).rowCount ?? 0;
    },
    async insertMany(table, columns, rows, onConflict = '') {
      const perChunk = Math.max(1, Math.floor(PG_MAX_PARAMS / columns.length));
      for (let start = 0; start < rows.length; start += perChunk) {
        const chunk = rows.slice(start, start + perChunk);
        const params: SqlValue[] = [];
        const tuples = chunk.map((row) => {
          const marks = row.map((v) => {
            params.push(v);
            return `$${params.length}`;
          });
          return `(${marks.join(', ')})`;
        });
        await client.query(
          `insert into ${table} (${columns.join(', ')}) values ${tuples.join(', ')} ${onConflict}`,
          params,
        );
      }
    },
  };
}

function postgresDatabase(orm: MikroORM): SqlDatabase {
  const run = <T>(fn: (tx: SqlTx) => Promise<T>) => withConnection(orm, (conn) => fn(pgTx(conn as PgClient)));
  return {
    dialect: 'postgresql',
    skipLocked: 'for update skip locked',
    query: (sql, params) => run((tx) => tx.query(sql, params)),
    execute: (sql, params) => run((tx) => tx.execute(sql, params)),
    transaction: (fn) =>
      withConnection(orm, async (conn) => {
        const client = conn as PgClient;
        await client.query('begin');
        try {
          const result = await fn(pgTx(client));
          await client.query('commit');
          return result;
        } catch (err) {
          await client.query('rollback').catch(() => undefined);
          throw err;
        }
      }),
    analyze: async (table) => {
      await run((tx) => tx.execute(`analyze ${table}`));
    },
  };
}
