import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../server/src/config/env.js';
import { openOrm } from '../../server/src/db/orm.js';
import { createSqlDatabase, type SqlDatabase } from '../../server/src/db/sql.js';
import { createPlatform } from '../../server/src/modules/platforms/platform.service.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { until } from '../support/faults.js';
import { gqlData, subscribeAll, wsClient } from '../support/graphql.js';
import { HEADER, createBatch, putFile, waitForStatus } from '../support/flow.js';
import { spawnServer } from '../support/process.js';

describe('rollback restart safety (server as a child process, SIGKILL)', () => {
  let database: TestDatabase;
  let orm: Awaited<ReturnType<typeof openOrm>>;
  let db: SqlDatabase;
  let apiKey: string;
  let platformId: string;
  let ids: string[];
  const settings = () => ({
    DATABASE_URL: database.url,
    UPLOAD_DIR: join(tmpdir(), `comms-rollback-restart-${process.pid}`),
    APPLY_CHUNK_ROWS: '25',
  });

  beforeAll(async () => {
    database = await createTestDatabase();
    orm = await openOrm(parseEnv({ DATABASE_URL: database.url }).database);
    db = createSqlDatabase(orm);
    const p = await createPlatform(orm.em.fork(), db, { name: 'Rollback Restart Ltd', accounts: 4000 });
    apiKey = p.apiKey;
    platformId = p.platformId;
    ids = (
      await db.query<{ id: string }>(`select id from connected_account where platform_id = $1 and status not in ('closed', 'rejected') order by id`, [platformId])
    ).map((r) => r.id);
  });
  afterAll(async () => {
    await orm.close();
    await database.drop();
  });

  it('resumes a rollback killed mid-way: every account restored exactly once, one rollback event each, live progress to the end', async () => {
    const auth = { apiKey };
    const before = new Map(
      (await db.query<{ id: string; email: string | null }>('select id, email from connected_account where platform_id = $1', [platformId])).map((r) => [r.id, r.email]),
    );
    const csv = `${HEADER}\n${ids.map((id, i) => `${id},,,,undo.${i}@rollback.example,✗`).join('\n')}\n`;
    let server = await spawnServer(settings());
    const { batch, uploadUrl } = await createBatch(server.url, auth);
    expect((await putFile(uploadUrl, auth, csv)).status).toBe(202);
    await waitForStatus(server.url, auth, batch.id, ['VALIDATED']);
    await gqlData(server.url, auth, 'mutation($id: ID!) { confirmUploadBatch(id: $id) { status } }', { id: batch.id });
    const completed = await waitForStatus(server.url, auth, batch.id, ['COMPLETED']);
    const applied = completed.summary.applied;
    expect(applied).toBe(ids.length);

    await gqlData(server.url, auth, 'mutation($id: ID!) { rollbackUploadBatch(id: $id) { status } }', { id: batch.id });
    await until(async () => {
      const [r] = await db.query<{ rolled_back: number }>('select rolled_back from upload_batch where id = $1', [batch.id]);
      return Number(r.rolled_back) >= 300;
    });
    await server.kill('SIGKILL');
    const [mid] = await db.query<{ status: string; rolled_back: number }>('select status, rolled_back from upload_batch where id = $1', [batch.id]);
    expect(mid.status).toBe('ROLLING_BACK');
    expect(Number(mid.rolled_back)).toBeLessThan(applied);
    const [{ n: eventsAtKill }] = await db.query<{ n: number }>('select count(*) as n from event where batch_id = $1 and is_rollback = 1', [batch.id]);
    expect(Number(eventsAtKill)).toBe(Number(mid.rolled_back));

    server = await spawnServer(settings());
    const client = wsClient(`${server.url.replace('http', 'ws')}/graphql`, auth);
    const live = subscribeAll<{ uploadBatchUpdated: { status: string; summary: { rolledBack: number } } }>(
      client,
      'subscription($id: ID!) { uploadBatchUpdated(id: $id) { status summary { rolledBack } } }',
      { id: batch.id },
    );
    const seen = (await live.done).map((e) => e.uploadBatchUpdated);
    await client.dispose();
    expect(seen.at(-1)).toEqual({ status: 'ROLLED_BACK', summary: { rolledBack: applied } });
    const progress = seen.map((s) => s.summary.rolledBack);
    expect(progress).toEqual([...progress].sort((x, y) => x - y));

    const done = await waitForStatus(server.url, auth, batch.id, ['ROLLED_BACK']);
    expect(done.status).toBe('ROLLED_BACK');
    const [counts] = await db.query<{ rolled_back: number; rollback_conflicts: number }>(
      'select rolled_back, rollback_conflicts from upload_batch where id = $1',
      [batch.id],
    );
    expect([Number(counts.rolled_back), Number(counts.rollback_conflicts)]).toEqual([applied, 0]);
    // Exactly once: one rollback event per row, each account back to its email, changed twice in all (apply, rollback).
    const [{ n: events, rows }] = await db.query<{ n: number; rows: number }>(
      'select count(*) as n, count(distinct row_number) as rows from event where batch_id = $1 and is_rollback = 1',
      [batch.id],
    );
    expect([Number(events), Number(rows)]).toEqual([applied, applied]);
    const after = await db.query<{ id: string; email: string | null; version: number }>('select id, email, version from connected_account where platform_id = $1', [
      platformId,
    ]);
    const touched = new Set(ids);
    for (const a of after) {
      expect(a.email).toBe(before.get(a.id));
      expect(Number(a.version)).toBe(touched.has(a.id) ? 3 : 1);
    }
    expect(server.logs.some((l) => l.includes('resuming rollback'))).toBe(true);
    await server.kill('SIGTERM');
  });
});
