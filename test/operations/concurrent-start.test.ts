import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../server/src/config/env.js';
import { migrationsList } from '../../server/src/db/migrations/index.js';
import { openOrm } from '../../server/src/db/orm.js';
import { createTestDatabase, TEST_DB, type TestDatabase } from '../support/database.js';
import { childSettings, openDirect } from '../support/faults.js';
import { type ServerProcess, spawnServer } from '../support/process.js';

// A rolling deploy, or an orchestrator scaling from zero, starts several processes at once on a
// database with pending migrations. PostgreSQL only: SQLite is one machine, one file.
describe.skipIf(TEST_DB !== 'postgres')('three instances starting at once on one empty PostgreSQL database', () => {
  let database: TestDatabase;
  const servers: ServerProcess[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    for (const s of servers) await s.kill('SIGTERM');
    await database.drop();
  });

  it('all come up, and the migrations run exactly once', async () => {
    // Three cold tsx starts at once take long on a busy 2-core machine: a generous start deadline.
    const started = await Promise.all([1, 2, 3].map(() => spawnServer(childSettings(database.url), { startTimeoutMs: 150_000 })));
    servers.push(...started);
    for (const s of started) expect((await fetch(`${s.url}/readyz`)).status).toBe(200);

    // One process applied them; the others waited for the lock and found nothing pending.
    const migrated = started.filter((s) => s.logs.some((l) => l.includes('"msg":"migrations applied"')));
    expect(migrated).toHaveLength(1);

    const direct = await openDirect(database.url);
    try {
      const rows = await direct.db.query<{ name: string }>('select name from mikro_orm_migrations order by id');
      expect(rows.map((r) => r.name)).toEqual(migrationsList.map((m) => m.name));
    } finally {
      await direct.close();
    }
  }, 200_000);

  it('three openings racing at the very same moment (in one process) migrate once, none fails', async () => {
    // Spawned servers reach the migrations seconds apart on a busy machine; these reach them together.
    const fresh = await createTestDatabase();
    try {
      const database = parseEnv({ DATABASE_URL: fresh.url }).database;
      const orms = await Promise.all([1, 2, 3].map(() => openOrm(database)));
      const rows: Array<{ name: string }> = await orms[0].em.getConnection().execute('select name from mikro_orm_migrations order by id');
      expect(rows.map((r) => r.name)).toEqual(migrationsList.map((m) => m.name));
      for (const orm of orms) await orm.close();
    } finally {
      await fresh.drop();
    }
  });
});
