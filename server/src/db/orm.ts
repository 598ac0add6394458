import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { BetterSqliteDriver } from '@mikro-orm/better-sqlite';
import type { Options } from '@mikro-orm/core';
import { MikroORM } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { Env } from '../config/env.js';
import type { Logger } from '../logger.js';
import { entities } from './entities.js';
import { migrationsList } from './migrations/index.js';

/** ORM options for the configured database; migrations are listed, not discovered. */
export function ormOptions(database: Env['database'], logger?: Logger): Options {
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
      pool: {
        // WAL lets the CLI and readers work beside a running server; the busy
        // timeout makes a second process wait for the write lock instead of failing.
        // biome-ignore lint/suspicious/noExplicitAny: knex pool hook, untyped connection
        afterCreate: (conn: any, done: (err: Error | null, conn: unknown) => void) => {
          conn.pragma('journal_mode = WAL');
          conn.pragma('busy_timeout = 10000');
          conn.pragma('synchronous = NORMAL');
          conn.pragma('wal_autocheckpoint = 20000');
          conn.pragma('foreign_keys = ON');
          done(null, conn);
        },
      },
    };
  }
  return { ...common, driver: PostgreSqlDriver, clientUrl: database.url, pool: { min: 1, max: 10 } };
}

/** Connects and brings the schema up to date; migrations run at every start. */
export async function openOrm(database: Env['database'], logger?: Logger): Promise<MikroORM> {
  const orm = await MikroORM.init(ormOptions(database, logger));
  const applied = await orm.getMigrator().up();
  if (applied.length > 0) logger?.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
  return orm;
}
