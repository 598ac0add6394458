import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { BetterSqliteDriver } from '@mikro-orm/better-sqlite';
import type { Options } from '@mikro-orm/core';
import { MikroORM } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import type { EntityManager as SqlEntityManager } from '@mikro-orm/knex';
import type { Env } from '../config/env.js';
import type { Logger } from '../logger.js';
import { entities } from './entities.js';
import { migrationsList } from './migrations/index.js';
import { readKnexClient } from './sql.js';
import { startWalCheckpointer } from './sqlite-checkpoint.js';

export interface OrmOpenOptions {
  /**
   * SQLite: the connection never checkpoints the WAL itself; a worker thread does
   * it (`startDatabaseMaintenance`). Only for the server process, which starts that
   * worker; every other process (CLI, tests, bench) keeps SQLite's autocheckpoint.
   */
  backgroundCheckpoints?: boolean;
}

// Without the worker: the COMMIT that crosses this many WAL pages (~80 MB) checkpoints.
const AUTOCHECKPOINT_PAGES = 20_000;
// A WAL reset (after a complete checkpoint) truncates the file to this size, so it
// does not keep the size of the largest burst forever.
const JOURNAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * ORM options for the configured database; migrations are listed, not discovered. The PostgreSQL
 * driver is loaded only for a PostgreSQL database (the embedded server does not carry it).
 */
export async function ormOptions(database: Env['database'], logger?: Logger, open: OrmOpenOptions = {}): Promise<Options> {
  const common: Options = {
    entities,
    discovery: { disableDynamicFileAccess: true, requireEntitiesArray: true },
    extensions: [Migrator],
    migrations: { migrationsList, transactional: true, allOrNothing: true, snapshot: false },
    allowGlobalContext: false,
    forceUtcTimezone: true,
    debug: false,
    logger: (message: string) => logger?.debug({ orm: message }),
  };
  if (database.dialect === 'sqlite') {
    const file = resolve(database.file);
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    return {
      ...common,
      driver: BetterSqliteDriver,
      dbName: file,
      // A second connection to the same file for reads outside transactions (MikroORM sends
      // `find`s there: preferReadReplicas). In WAL a reader never waits for the writer, so a
      // request's reads no longer queue behind a job's chunk transactions on the one write
      // connection (knex's SQLite pool holds one). Transactions, flushes and the bulk seam stay
      // on the write connection. `:memory:` is one database per connection: no replica.
      replicas: file === ':memory:' ? [] : [{ name: 'read' }],
      pool: {
        // WAL lets the CLI and readers work beside a running server; the busy
        // timeout makes a second process wait for the write lock instead of failing.
        // biome-ignore lint/suspicious/noExplicitAny: knex pool hook, untyped connection
        afterCreate: (conn: any, done: (err: Error | null, conn: unknown) => void) => {
          // The busy timeout first: switching to WAL takes a lock another connection may hold.
          conn.pragma('busy_timeout = 10000');
          conn.pragma('journal_mode = WAL');
          conn.pragma('synchronous = NORMAL');
          conn.pragma(`wal_autocheckpoint = ${open.backgroundCheckpoints ? 0 : AUTOCHECKPOINT_PAGES}`);
          conn.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT_BYTES}`);
          conn.pragma('foreign_keys = ON');
          done(null, conn);
        },
      },
    };
  }
  const { PostgreSqlDriver } = await import('@mikro-orm/postgresql');
  return { ...common, driver: PostgreSqlDriver, clientUrl: database.url, pool: { min: 1, max: 10 } };
}

/** Connects and brings the schema up to date; migrations run at every start. */
export async function openOrm(database: Env['database'], logger?: Logger, open: OrmOpenOptions = {}): Promise<MikroORM> {
  const orm = await MikroORM.init(await ormOptions(database, logger, open));
  await makeReadConnectionReadOnly(orm, database);
  const applied = await migrateOnce(orm, database, logger);
  if (applied.length > 0) logger?.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
  return orm;
}

/**
 * SQLite's read connection refuses writes (`query_only`), so a write sent there by mistake
 * fails loudly instead of waiting for the write lock inside a synchronous call. knex keeps the
 * connection for the pool's life (SQLite pools hold min 1, max 1).
 */
async function makeReadConnectionReadOnly(orm: MikroORM, database: Env['database']): Promise<void> {
  if (database.dialect !== 'sqlite' || database.file === ':memory:') return;
  const client = readKnexClient(orm);
  const conn = await client.acquireConnection();
  try {
    conn.pragma('query_only = ON');
  } finally {
    await client.releaseConnection(conn);
  }
}

/** The PostgreSQL advisory lock migrations run under: one 64-bit key for this application ("comms"). */
export const MIGRATION_LOCK_KEY = '427086900595';

/**
 * Runs the pending migrations, once, however many processes start together on one database.
 * PostgreSQL: under a session advisory lock held on its own pooled connection; the processes
 * that wait find nothing pending once they get it. (Without it, two processes ran the same DDL;
 * one failed and exited.) SQLite serialises writers itself (busy timeout) and is one machine only.
 */
async function migrateOnce(orm: MikroORM, database: Env['database'], logger?: Logger) {
  if (database.dialect !== 'postgresql') return orm.getMigrator().up();
  const client = (orm.em as unknown as SqlEntityManager).getKnex().client;
  // biome-ignore lint/suspicious/noExplicitAny: a pg client from knex's pool (untyped there)
  const conn: any = await client.acquireConnection();
  try {
    const started = Date.now();
    await conn.query('select pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    const waitedMs = Date.now() - started;
    if (waitedMs > 100) logger?.info({ waitedMs }, 'waited for another process to finish migrating');
    return await orm.getMigrator().up();
  } finally {
    await conn.query('select pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await client.releaseConnection(conn);
  }
}

/** Background upkeep of the database a server process runs beside its ORM; `close` after `orm.close()`. */
export interface DatabaseMaintenance {
  close(): Promise<void>;
}

/**
 * Starts the database's background upkeep for an ORM opened with
 * `backgroundCheckpoints`: on SQLite the WAL checkpoint worker
 * (sqlite-checkpoint.ts); PostgreSQL checkpoints by itself.
 */
export async function startDatabaseMaintenance(database: Env['database'], orm: MikroORM, logger: Logger): Promise<DatabaseMaintenance> {
  if (database.dialect !== 'sqlite' || database.file === ':memory:') return { close: async () => {} };
  const fallBack = async () => {
    // A WAL that nobody checkpoints grows without end: the connection takes the job back.
    await orm.em.getConnection().execute(`pragma wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
  };
  return startWalCheckpointer(resolve(database.file), logger, {
    onFailure: () => {
      fallBack().catch((err) => logger.error({ err }, 'could not turn the WAL autocheckpoint back on'));
    },
  });
}
