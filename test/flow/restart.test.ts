import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../server/src/config/env.js';
import { openOrm } from '../../server/src/db/orm.js';
import { createSqlDatabase, type SqlDatabase } from '../../server/src/db/sql.js';
import { createPlatform } from '../../server/src/modules/platforms/platform.service.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { expectAppliedExactlyOnce, until } from '../support/faults.js';
import { gqlData } from '../support/graphql.js';
import { HEADER, createBatch, putFile, waitForStatus } from '../support/flow.js';
import { spawnServer } from '../support/process.js';

describe('restart safety (server as a child process, SIGKILL)', () => {
  let database: TestDatabase;
  let orm: Awaited<ReturnType<typeof openOrm>>;
  let db: SqlDatabase;
  let apiKey: string;
  let platformId: string;
  let ids: string[];
  const settings = (extra: Record<string, string> = {}) => ({
    DATABASE_URL: database.url,
    UPLOAD_DIR: join(tmpdir(), `comms-restart-uploads-${process.pid}`),
    ...extra,
  });

  beforeAll(async () => {
    database = await createTestDatabase();
    orm = await openOrm(parseEnv({ DATABASE_URL: database.url }).database);
    db = createSqlDatabase(orm);
    const p = await createPlatform(orm.em.fork(), db, { name: 'Restart Ltd', accounts: 6000 });
    apiKey = p.apiKey;
    platformId = p.platformId;
    ids = (await db.query<{ id: string }>(`select id from connected_account where platform_id = $1 and status not in ('closed', 'rejected') order by id`, [platformId])).map((r) => r.id);
  });
  afterAll(async () => {
    await orm.close();
    await database.drop();
  });

  it('resumes an apply killed mid-way: every row applied exactly once, one event per applied row', async () => {
    const auth = { apiKey };
    const csv = `${HEADER}\n${ids.map((id, i) => `${id},,,,resume.${i}@apply.example,✗`).join('\n')}\n`;
    let server = await spawnServer(settings({ APPLY_CHUNK_ROWS: '25' }));
    const { batch, uploadUrl } = await createBatch(server.url, auth);
    expect((await putFile(uploadUrl, auth, csv)).status).toBe(202);
    const validated = await waitForStatus(server.url, auth, batch.id, ['VALIDATED']);
    const toApply = validated.summary.additions + validated.summary.replacements;
    expect(toApply).toBe(ids.length);
    await gqlData(server.url, auth, 'mutation($id: ID!) { confirmUploadBatch(id: $id) { status } }', { id: batch.id });
    await until(async () => {
      const [r] = await db.query<{ applied: number }>('select applied from upload_batch where id = $1', [batch.id]);
      return Number(r.applied) >= 500;
    });
    await server.kill('SIGKILL');
    const [mid] = await db.query<{ status: string; applied: number }>('select status, applied from upload_batch where id = $1', [batch.id]);
    expect(mid.status).toBe('APPLYING');
    expect(Number(mid.applied)).toBeLessThan(toApply);
    // What committed before the kill is consistent: applied rows and events match one for one.
    const [{ n: eventsAtKill }] = await db.query<{ n: number }>('select count(*) as n from event where batch_id = $1', [batch.id]);
    expect(Number(eventsAtKill)).toBe(Number(mid.applied));

    server = await spawnServer(settings({ APPLY_CHUNK_ROWS: '25' }));
    const done = await waitForStatus(server.url, auth, batch.id, ['COMPLETED']);
    expect(done.summary).toMatchObject({ applied: toApply, conflicts: 0, failed: 0 });
    await expectAppliedExactlyOnce(db, batch.id, platformId, 'resume.%@apply.example', toApply);
    expect(server.logs.some((l) => l.includes('resuming apply'))).toBe(true);
    await server.kill('SIGTERM');
  });

  it('starts a validation killed mid-way over at the next start, from its stored file; without the file it ends FAILED', async () => {
    const auth = { apiKey };
    const lines = [HEADER];
    for (let i = 0; i < 60_000; i++) lines.push(`${ids[i % ids.length]},,,,,✗`);
    const uploadDir = settings().UPLOAD_DIR;
    const killMidValidation = async () => {
      const server = await spawnServer(settings({ VALIDATION_CHUNK_ROWS: '50' }));
      const { batch, uploadUrl } = await createBatch(server.url, auth);
      expect((await putFile(uploadUrl, auth, lines.join('\n'))).status).toBe(202);
      await until(async () => {
        const [r] = await db.query<{ processed_rows: number }>('select processed_rows from upload_batch where id = $1', [batch.id]);
        return Number(r.processed_rows) > 0;
      });
      await server.kill('SIGKILL');
      return batch.id;
    };

    // The whole file had arrived: the next start validates it again from a clean batch, each row once.
    const restarted = await killMidValidation();
    let server = await spawnServer(settings());
    const validated = await waitForStatus(server.url, auth, restarted, ['VALIDATED']);
    expect(validated.summary.totalRows).toBe(60_000);
    expect(server.logs.some((l) => l.includes('restarting validation'))).toBe(true);
    const [{ n, numbers }] = await db.query<{ n: number; numbers: number }>(
      'select count(*) as n, count(distinct row_number) as numbers from batch_row where batch_id = $1',
      [restarted],
    );
    expect([Number(n), Number(numbers)]).toEqual([60_000, 60_000]);
    await server.kill('SIGTERM');

    // The file is gone (a lost disk): nothing to start over from; FAILED, with what to do.
    const lost = await killMidValidation();
    rmSync(join(uploadDir, `${lost}.upload`), { force: true });
    server = await spawnServer(settings());
    const failed = await waitForStatus(server.url, auth, lost, ['FAILED'], 10_000);
    expect(failed.failureMessage).toMatch(/restarted.*Upload the file again/);
    await server.kill('SIGTERM');
  });
});
