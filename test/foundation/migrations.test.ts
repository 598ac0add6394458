import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../server/src/config/env.js';
import { openOrm } from '../../server/src/db/orm.js';
import { migrationsList } from '../../server/src/db/migrations/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

describe('migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('bring an empty database to the current schema at start, then apply nothing twice', async () => {
    const env = parseEnv({ DATABASE_URL: db.url });
    const orm = await openOrm(env.database);
    const executed = await orm.getMigrator().getExecutedMigrations();
    expect(executed.map((m) => m.name)).toEqual(migrationsList.map((m) => m.name));
    expect(await orm.getMigrator().getPendingMigrations()).toEqual([]);
    // Every column the entities map exists in the tables the migrations built.
    const metas = Object.values(orm.getMetadata().getAll()).filter((m) => !m.embeddable && m.tableName);
    expect(metas.length).toBeGreaterThanOrEqual(5);
    for (const meta of metas) {
      const columns = meta.props.filter((p) => p.persist !== false && p.fieldNames?.length).flatMap((p) => p.fieldNames);
      await expect(orm.em.getConnection().execute(`select ${columns.join(', ')} from ${meta.tableName} limit 0`)).resolves.toEqual([]);
    }
    await orm.close();

    const again = await openOrm(env.database);
    expect((await again.getMigrator().getExecutedMigrations()).length).toBe(migrationsList.length);
    await again.close();
  });
});
