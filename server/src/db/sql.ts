import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { type SqliteColumn, SqliteScanWorker } from './sqlite-scans.js';
import type { MikroORM } from '@mikro-orm/core';
import type { EntityManager as SqlEntityManager } from '@mikro-orm/knex';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { SQLITE_BOOLEAN_COLUMNS } from './migrations/sql-types.js';
import { postgresTrigramIndex, sqliteTrigramIndex, type TrigramIndexSql } from './trigram-index.js';
import type { Sql } from 'sql-template-tag';

const pgTypes = pg.types;

/**
 * A statement written with the `sql` tag (sql-template-tag): values interpolated
 * as bound parameters, `join`/`raw` for lists and fragments, numbered `$1…` for us.
 * Long statements read better this way than with hand-numbered placeholders.
 */
export { default as sql, empty, join, raw, Sql } from 'sql-template-tag';

/** A value a bulk statement can bind: dialects differ on booleans and dates, the seam hides it. */
export type SqlValue = string | number | bigint | boolean | Date | Uint8Array | null;

/** A bound parameter: a value, or a list for {@link SqlTx.anyOf}. */
export type SqlParam = SqlValue | readonly (string | number)[];

export interface TransactionOptions {
  /**
   * `false`: the commit may return before it is on disk (PostgreSQL
   * `synchronous_commit = off`; a crash can lose the last commits, never half of
   * one). Only for work that starts over after a crash, such as validation.
   * SQLite already commits without waiting for fsync in WAL mode (synchronous = NORMAL).
   */
  durable?: boolean;
}

/**
 * One connection inside one transaction. SQL uses `$1, $2…` placeholders on
 * both dialects (SQLite reads them as numbered parameters).
 */
export interface SqlTx {
  /**
   * Rows come out the same from both drivers: time columns as `Date`, booleans as
   * `boolean`, counts and sums as `number` (see {@link normalizeSqliteRows} and {@link PG_TYPES}).
   */
  query<T = Record<string, unknown>>(sql: string | Sql, params?: SqlParam[]): Promise<T[]>;
  execute(sql: string | Sql, params?: SqlParam[]): Promise<number>;
  /** A multi-row insert of `rows` (each an array in `columns` order), chunked to the dialect's limits. */
  insertMany(table: string, columns: string[], rows: SqlValue[][], onConflict?: string): Promise<void>;
  /**
   * The condition "equals one element of the list bound at `$n`", to follow a
   * column: `where id ${tx.anyOf(2)}` with a string or number array as `$2`.
   * One parameter and one statement text whatever the list's length, so the
   * statement is parsed once (PostgreSQL `= any($n)`, SQLite `json_each`).
   */
  anyOf(n: number): string;
  /**
   * SQL text of the column expression `expr` written as JSON, byte for byte as
   * JSON.stringify writes the value (a string quoted and escaped, NULL as null),
   * so bulk paths can build JSON documents in SQL (SQLite `json_quote`, PostgreSQL `to_json`).
   */
  jsonQuote(expr: string): string;
  /**
   * SQL text of `length` bytes from byte `start` (1-based, an integer SQL expression) of
   * the ASCII bytes bound at `$n` as a Uint8Array. Constant time per call: `substr` of
   * a long text counts characters from its start on both dialects (quadratic per statement).
   */
  asciiSlice(n: number, start: string, length: number): string;
}

/**
 * The database seam for set-based work. The ORM's unit of work is for single
 * objects; bulk paths (seed, validation, apply, outbox) go through this, with
 * an embedded implementation (SQLite) and a scale-out one (PostgreSQL).
 */
export interface SqlDatabase extends Omit<SqlTx, 'insertMany'> {
  readonly dialect: 'sqlite' | 'postgresql';
  /**
   * Reads that need no transaction and may see the last committed state (a request's
   * credential, for one): on SQLite the read connection (WAL readers never wait for the
   * writer, and never queue behind a job's transactions on the one write connection);
   * on PostgreSQL the same pool.
   */
  readonly reads: SqlReads;
  /**
   * Reads that may take seconds (a grouping of a whole batch, a download's pages): on SQLite a
   * worker thread with its own connection, so the server's thread, where better-sqlite3 runs
   * every statement synchronously, keeps answering meanwhile (sqlite-scans.ts); on PostgreSQL
   * the same pool (the wait is already off the thread). Sees the last commit, not the caller's
   * open transaction.
   */
  readonly scans: SqlReads;
  /** Ends what the seam started beside the ORM (the SQLite scan worker); before `orm.close()`. */
  close(): Promise<void>;
  transaction<T>(fn: (tx: SqlTx) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** `for update skip locked` where the dialect has it; SQLite serialises writers anyway. */
  readonly skipLocked: string;
  /** Keeps planner statistics fresh after a bulk load (ANALYZE; on SQLite skipped when few rows changed since the last). */
  analyze(table: string): Promise<void>;
  /**
   * Refreshes the statistics of a column's values after a bulk change moved them (every row's
   * status, say) without touching any index key. PostgreSQL keeps per-column value statistics
   * and runs ANALYZE; SQLite's statistics describe index keys only (sqlite_stat1, stat4 samples),
   * which such a change leaves true, so it does nothing (an ANALYZE of 500,000 batch rows there
   * costs about half a second).
   */
  analyzeValues(table: string): Promise<void>;
  /** The dialect's substring index (trigram-index.ts): FTS5 on SQLite, pg_trgm on PostgreSQL. */
  readonly trigram: TrigramIndexSql;
}

/** Statements that only read, outside any transaction. */
export type SqlReads = Pick<SqlTx, 'query' | 'anyOf'>;

/** The text and parameters of a plain statement or of a tagged one. */
function statement(sqlText: string | Sql, params: SqlParam[] = []): [string, SqlParam[]] {
  return typeof sqlText === 'string' ? [sqlText, params] : [sqlText.text, sqlText.values as SqlParam[]];
}

// biome-ignore lint/suspicious/noExplicitAny: knex's client type does not expose its pool API
type KnexClient = any;

function knexClient(orm: MikroORM): KnexClient {
  return (orm.em as unknown as SqlEntityManager).getKnex().client;
}

/** The knex client of the ORM's read replica (see `ormOptions`: SQLite's read connection), else of the primary. */
export function readKnexClient(orm: MikroORM): KnexClient {
  return (orm.em.getDriver().getConnection('read') as unknown as { getKnex(): { client: KnexClient } }).getKnex().client;
}

async function withConnection<T>(orm: MikroORM, fn: (conn: unknown) => Promise<T>, client: KnexClient = knexClient(orm)): Promise<T> {
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
    get(...params: unknown[]): unknown;
    run(...params: unknown[]): { changes: number };
    columns(): Array<{ name: string; column: string | null; type: string | null }>;
    reader: boolean;
  };
  inTransaction: boolean;
  exec(sql: string): void;
}

function sqliteValue(v: SqlParam): unknown {
  if (typeof v === 'boolean') return v ? 1 : 0;
  // Lists are read back by json_each (anyOf).
  if (Array.isArray(v)) return JSON.stringify(v);
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

/** The SQL fragments that differ per dialect (see SqlTx), the same inside and outside a transaction. */
type SqlFragments = Pick<SqlTx, 'anyOf' | 'jsonQuote' | 'asciiSlice'>;

const sqliteFragments: SqlFragments = {
  anyOf: (n) => `in (select value from json_each($${n}))`,
  jsonQuote: (expr) => `json_quote(${expr})`,
  asciiSlice: (n, start, length) => `cast(substr($${n}, ${start}, ${length}) as text)`,
};

/**
 * SQLite keeps times as epoch milliseconds (declared `datetime`) and booleans as 0/1, so a
 * statement's result columns are typed once, when it is prepared, from their declared types:
 * a `datetime` column becomes a Date; a column declared with the dialect's boolean type
 * (`SQLITE_BOOLEAN_COLUMNS`: SQLite has none, `integer` stands in) becomes a boolean.
 */
type Conversion = { name: string; to: 'date' | 'boolean' };

function conversionsOf(stmt: ReturnType<BetterSqlite['prepare']>): Conversion[] {
  return stmt.reader ? conversionsOfColumns(stmt.columns()) : [];
}

function conversionsOfColumns(columns: readonly SqliteColumn[]): Conversion[] {
  const out: Conversion[] = [];
  for (const c of columns) {
    if (c.type?.toLowerCase() === 'datetime') out.push({ name: c.name, to: 'date' });
    else if (c.column && SQLITE_BOOLEAN_COLUMNS.has(c.column)) out.push({ name: c.name, to: 'boolean' });
  }
  return out;
}

/** Applies a statement's conversions to its rows, in place. */
export function normalizeSqliteRows(rows: unknown[], conversions: readonly Conversion[]): unknown[] {
  if (conversions.length === 0) return rows;
  for (const row of rows as Record<string, unknown>[]) {
    for (const { name, to } of conversions) {
      const v = row[name];
      if (v === null || v === undefined) continue;
      row[name] = to === 'date' ? new Date(v as number) : v === 1 || v === true;
    }
  }
  return rows;
}

type PreparedCache = Map<string, { stmt: ReturnType<BetterSqlite['prepare']>; order: number[]; conversions: Conversion[] }>;
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
      const stmt = db.prepare(text);
      entry = { stmt, order, conversions: conversionsOf(stmt) };
      // Statements built with a variable number of placeholders vary; keep the cache bounded.
      if (statements.size >= MAX_PREPARED) statements.clear();
      statements.set(sql, entry);
    }
    const { stmt, order, conversions } = entry;
    const bind = (params: SqlParam[]) => order.map((i) => sqliteValue(params[i] ?? null));
    return {
      all: (params: SqlParam[]) => normalizeSqliteRows(stmt.all(...bind(params)), conversions),
      run: (params: SqlParam[]) => stmt.run(...bind(params)),
    };
  };
  const tx: SqlTx = {
    async query<T>(sqlText: string | Sql, params: SqlParam[] = []) {
      const [text, values] = statement(sqlText, params);
      return prepare(text).all(values) as T[];
    },
    async execute(sqlText, params = []) {
      const [text, values] = statement(sqlText, params);
      return prepare(text).run(values).changes;
    },
    async insertMany(table, columns, rows, onConflict = '') {
      if (rows.length === 0) return;
      // One prepared single-row statement run many times inside the transaction is
      // as fast as multi-row VALUES on SQLite and has no parameter limit.
      const marks = columns.map((_, i) => `$${i + 1}`).join(', ');
      const stmt = prepare(`insert into ${table} (${columns.join(', ')}) values (${marks}) ${onConflict}`);
      for (const row of rows) stmt.run(row);
    },
    ...sqliteFragments,
  };
  return tx;
}

function sqliteDatabase(orm: MikroORM): SqlDatabase {
  // A single connection: statements are synchronous, so a chunk's transaction
  // runs start to end without another caller interleaving on the connection.
  const run = <T>(fn: (tx: SqlTx) => Promise<T>) =>
    withConnection(orm, (conn) => fn(sqliteTx(conn as BetterSqlite)));
  const reader = readKnexClient(orm);
  const reads: SqlReads = {
    // Prepared once per connection like every statement of the seam.
    query: (sql, params) => withConnection(orm, (conn) => sqliteTx(conn as BetterSqlite).query(sql, params), reader),
    anyOf: sqliteFragments.anyOf,
  };
  const file = String(orm.config.get('dbName') ?? ':memory:');
  // `:memory:` is one database per connection: a worker's connection would see another one.
  const scanner = file === ':memory:' ? null : new SqliteScanWorker(file);
  const conversions = new Map<string, Conversion[]>();
  const scans: SqlReads = {
    async query<T>(sqlText: string | Sql, params: SqlParam[] = []) {
      if (!scanner || scanner.failed) return reads.query<T>(sqlText, params);
      const [text, values] = statement(sqlText, params);
      const { text: sql, order } = sqliteSql(text);
      const known = conversions.get(text);
      const result = await scanner.run({ sql, params: order.map((i) => sqliteValue(values[i] ?? null)) }, known === undefined);
      let typed = known;
      if (typed === undefined) {
        typed = conversionsOfColumns(result.columns ?? []);
        if (conversions.size >= MAX_PREPARED) conversions.clear();
        conversions.set(text, typed);
      }
      return normalizeSqliteRows(result.rows, typed) as T[];
    },
    anyOf: sqliteFragments.anyOf,
  };
  return {
    dialect: 'sqlite',
    skipLocked: '',
    reads,
    scans,
    close: async () => {
      await scanner?.close();
    },
    query: (sql, params) => run((tx) => tx.query(sql, params)),
    execute: (sql, params) => run((tx) => tx.execute(sql, params)),
    ...sqliteFragments,
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
    analyze: (table) =>
      withConnection(orm, async (conn) => {
        const db = conn as BetterSqlite;
        // ANALYZE reads every index of the whole table (~0.5 s per 500,000 batch rows, growing
        // with every batch kept), and a sampled one (analysis_limit) skews the per-key averages
        // enough to change the review and apply plans. So it is skipped when the connection —
        // the only writer — changed too few rows since this table's last ANALYZE to move them.
        let analyzedAt = analyzedByConnection.get(db);
        if (!analyzedAt) {
          analyzedAt = new Map();
          analyzedByConnection.set(db, analyzedAt);
        }
        const changes = Number((db.prepare('select total_changes() as n').get() as { n: number }).n);
        const last = analyzedAt.get(table);
        if (last !== undefined && changes - last < SQLITE_REANALYZE_AFTER_CHANGES) return;
        db.exec(`analyze ${table}`);
        analyzedAt.set(table, changes);
      }),
    analyzeValues: async () => {},
    trigram: sqliteTrigramIndex,
  };
}

/** Rows changed (any table) after which ANALYZE runs again; a validation chunk is 1,000. */
const SQLITE_REANALYZE_AFTER_CHANGES = 10_000;
/** The connection's total_changes() when each table was last analyzed (a new connection starts from 0). */
const analyzedByConnection = new WeakMap<BetterSqlite, Map<string, number>>();

// ---------------------------------------------------------------- PostgreSQL

interface PgQueryConfig {
  text: string;
  values?: unknown[];
  types?: typeof PG_TYPES;
  /** A named statement is parsed and planned once per connection, then only bound and run. */
  name?: string;
}

interface PgClient {
  query(sql: string | PgQueryConfig, params?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/**
 * pg's type parsers for every query of the seam: int8 (count, sum of integers) and numeric
 * (sum of bigints) as JavaScript numbers, like SQLite; pg's default is a string, which every
 * caller then had to convert. Values past 2^53 do not occur here (row counts, sequence numbers).
 */
const PG_TYPES = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 20 || oid === 1700) return (value: string) => Number(value);
    return pgTypes.getTypeParser(oid, format as 'text');
  },
};

const pgFragments: SqlFragments = {
  anyOf: (n) => `= any($${n})`,
  jsonQuote: (expr) => `coalesce(to_json(${expr})::text, 'null')`,
  asciiSlice: (n, start, length) => `convert_from(substr(cast($${n} as bytea), ${start}, ${length}), 'UTF8')`,
};

/** Rows per insert statement: one statement's arrays stay a few MB at most. */
const PG_ROWS_PER_INSERT = 10_000;

/** Column name → SQL type (`character varying(100)`, `integer`, `timestamp with time zone`…), per table. */
type PgColumnTypes = Map<string, Map<string, string>>;

/** Statement names for insertMany texts; a short name keeps the Parse message small. */
const pgStatementNames = new Map<string, string>();

function pgStatementName(text: string): string {
  let name = pgStatementNames.get(text);
  if (!name) {
    name = `comms_insert_${pgStatementNames.size + 1}`;
    pgStatementNames.set(text, name);
  }
  return name;
}

function pgTx(client: PgClient, columnTypes: PgColumnTypes): SqlTx {
  const typesOf = async (table: string): Promise<Map<string, string>> => {
    let types = columnTypes.get(table);
    if (!types) {
      const { rows } = await client.query(
        `select attname as name, format_type(atttypid, atttypmod) as type from pg_attribute
          where attrelid = cast($1 as regclass) and attnum > 0 and not attisdropped`,
        [table],
      );
      types = new Map((rows as Array<{ name: string; type: string }>).map((r) => [r.name, r.type]));
      columnTypes.set(table, types);
    }
    return types;
  };
  return {
    async query<T>(sqlText: string | Sql, params: SqlParam[] = []) {
      const [text, values] = statement(sqlText, params);
      return (await client.query({ text, values: values as unknown[], types: PG_TYPES })).rows as T[];
    },
    async execute(sqlText, params = []) {
      const [text, values] = statement(sqlText, params);
      return (await client.query(text, values as unknown[])).rowCount ?? 0;
    },
    async insertMany(table, columns, rows, onConflict = '') {
      if (rows.length === 0) return;
      // COPY has no ON CONFLICT; every other bulk insert streams as COPY text (see copyRows).
      if (!onConflict) return copyRows(client, table, columns, rows);
      // One array parameter per column (UNNEST) instead of one parameter per value:
      // the statement text is the same for every chunk, so it is prepared once per
      // connection, and pg sends ten parameters instead of ten thousand.
      const types = await typesOf(table);
      const casts = columns.map((c, i) => {
        const type = types.get(c);
        if (!type) throw new Error(`insertMany: no column ${c} in ${table}`);
        return `cast($${i + 1} as ${type}[])`;
      });
      const text = `insert into ${table} (${columns.join(', ')}) select * from unnest(${casts.join(', ')}) ${onConflict}`;
      const name = pgStatementName(text);
      for (let start = 0; start < rows.length; start += PG_ROWS_PER_INSERT) {
        const end = Math.min(rows.length, start + PG_ROWS_PER_INSERT);
        // pg writes each array as a literal, element by element (dates, booleans, bigint and bytes included).
        const values = columns.map((_, c) => {
          const column = new Array<SqlValue>(end - start);
          for (let r = start; r < end; r++) column[r - start] = rows[r][c];
          return column;
        });
        await client.query({ name, text, values });
      }
    },
    ...pgFragments,
  };
}

/**
 * One value in COPY's text format: `\N` for NULL; backslash, tab, newline and carriage
 * return escaped; dates as ISO 8601 (UTC), booleans `t`/`f`, bytes as bytea hex.
 */
function copyText(v: SqlValue): string {
  if (v === null) return '\\N';
  if (typeof v === 'string') return COPY_SPECIAL.test(v) ? v.replace(COPY_SPECIAL_ALL, escapeCopyChar) : v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (v instanceof Date) return v.toISOString();
  return `\\\\x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
}

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_SPECIAL_ALL = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const escapeCopyChar = (c: string) => COPY_ESCAPES[c];

/**
 * Bulk insert by `COPY … FROM STDIN` (pg-copy-streams): the rows go as one text
 * message, which the server parses without a statement, a plan or array
 * parameters. Measured against the `UNNEST` insert on 500,000 batch rows (docs/PERFORMANCE.md).
 * Rows are sent in pieces of {@link PG_ROWS_PER_INSERT}, so one piece's text stays a few MB.
 */
async function copyRows(client: PgClient, table: string, columns: string[], rows: SqlValue[][]): Promise<void> {
  const stream = (client as unknown as pg.Client).query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin`));
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  const width = columns.length;
  for (let start = 0; start < rows.length; start += PG_ROWS_PER_INSERT) {
    const end = Math.min(rows.length, start + PG_ROWS_PER_INSERT);
    let text = '';
    for (let r = start; r < end; r++) {
      const row = rows[r];
      for (let c = 0; c < width; c++) text += (c === 0 ? '' : '\t') + copyText(row[c] ?? null);
      text += '\n';
    }
    if (!stream.write(text)) await new Promise((resolve) => stream.once('drain', resolve));
  }
  stream.end();
  await done;
}

function postgresDatabase(orm: MikroORM): SqlDatabase {
  // Column types change only with migrations, which run before the seam is built.
  const columnTypes: PgColumnTypes = new Map();
  const run = <T>(fn: (tx: SqlTx) => Promise<T>) => withConnection(orm, (conn) => fn(pgTx(conn as PgClient, columnTypes)));
  const query: SqlReads['query'] = (sql, params) => run((tx) => tx.query(sql, params));
  return {
    dialect: 'postgresql',
    skipLocked: 'for update skip locked',
    reads: { query, anyOf: pgFragments.anyOf },
    scans: { query, anyOf: pgFragments.anyOf },
    close: async () => {},
    query,
    execute: (sql, params) => run((tx) => tx.execute(sql, params)),
    ...pgFragments,
    transaction: (fn, options) =>
      withConnection(orm, async (conn) => {
        const client = conn as PgClient;
        // One round trip: a simple query may hold several statements.
        await client.query(options?.durable === false ? 'begin; set local synchronous_commit = off' : 'begin');
        try {
          const result = await fn(pgTx(client, columnTypes));
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
    analyzeValues: async (table) => {
      await run((tx) => tx.execute(`analyze ${table}`));
    },
    trigram: postgresTrigramIndex,
  };
}
