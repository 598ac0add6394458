import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatform } from '../../server/src/modules/platforms/platform.service.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { childSettings, type DirectDatabase, expectAppliedExactlyOnce, openDirect, until } from '../support/faults.js';
import { HEADER, createBatch, putFile, waitForStatus } from '../support/flow.js';
import { gqlData, subscribeAll, wsClient } from '../support/graphql.js';
import { spawnServer, type ServerProcess } from '../support/process.js';

// SIGTERM as an orchestrator sends it, to the real server process. NODE_ENV=production: Apollo's
// own signal handlers are on outside `test`, and they were what held an idle server for 26 s.
describe('graceful shutdown (server as a child process, SIGTERM)', () => {
  let database: TestDatabase;
  let direct: DirectDatabase;
  let apiKey: string;
  let platformId: string;
  let ids: string[];
  const settings = (extra: Record<string, string> = {}) =>
    childSettings(database.url, { NODE_ENV: 'production', COOKIE_SECURE: 'false', APPLY_CHUNK_ROWS: '20', ...extra });

  beforeAll(async () => {
    database = await createTestDatabase();
    direct = await openDirect(database.url);
    const p = await createPlatform(direct.orm.em.fork(), direct.db, { name: 'Shutdown Ltd', accounts: 4000 });
    apiKey = p.apiKey;
    platformId = p.platformId;
    ids = (
      await direct.db.query<{ id: string }>(
        `select id from connected_account where platform_id = $1 and status not in ('closed', 'rejected') order by id`,
        [platformId],
      )
    ).map((r) => r.id);
  });
  afterAll(async () => {
    await direct.close();
    await database.drop();
  });

  /** Sends SIGTERM and returns the exit code and how long the process took to exit. */
  async function terminate(server: ServerProcess): Promise<{ code: number | null; ms: number }> {
    const started = performance.now();
    const code = await server.kill('SIGTERM');
    return { code, ms: performance.now() - started };
  }

  it('exits an idle server within 2 s, keep-alive connection open, and logs that it is done', async () => {
    const server = await spawnServer(settings());
    // A browser's idle keep-alive socket must not hold the process.
    const res = await fetch(`${server.url}/healthz`, { headers: { connection: 'keep-alive' } });
    expect(res.status).toBe(200);

    const { code, ms } = await terminate(server);

    expect(code).toBe(0);
    expect(ms).toBeLessThan(2_000);
    const done = server.logs.map((l) => JSON.parse(l) as { msg?: string; ms?: number }).find((l) => l.msg === 'shutdown complete');
    expect(done?.ms).toBeLessThan(2_000);
  });

  it('with an apply in flight: hands the chunk back, closes sockets with 1001, exits within 10 s; the restart finishes exactly once', async () => {
    const auth = { apiKey };
    const csv = `${HEADER}\n${ids.map((id, i) => `${id},,,,stop.${i}@apply.example,✗`).join('\n')}\n`;
    let server = await spawnServer(settings());
    const { batch, uploadUrl } = await createBatch(server.url, auth);
    expect((await putFile(uploadUrl, auth, csv)).status).toBe(202);
    const validated = await waitForStatus(server.url, auth, batch.id, ['VALIDATED']);
    const toApply = validated.summary.additions + validated.summary.replacements;
    expect(toApply).toBe(ids.length);

    // A dashboard watching the batch over graphql-ws.
    let closeCode: number | undefined;
    const client = wsClient(`${server.url.replace('http', 'ws')}/graphql`, auth, { onClose: (c) => (closeCode ??= c) });
    const watch = subscribeAll<{ uploadBatchUpdated: { status: string } }>(
      client,
      'subscription($id: ID!) { uploadBatchUpdated(id: $id) { status } }',
      { id: batch.id },
    );
    await until(() => watch.events.length > 0, 10_000, 'first subscription event');

    await gqlData(server.url, auth, 'mutation($id: ID!) { confirmUploadBatch(id: $id) { status } }', { id: batch.id });
    await until(async () => {
      const [r] = await direct.db.query<{ applied: number }>('select applied from upload_batch where id = $1', [batch.id]);
      return Number(r.applied) >= 100;
    });

    const { code, ms } = await terminate(server);

    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
    expect(closeCode).toBe(1001);
    const logs = server.logs.join('\n');
    expect(logs).toContain('apply paused for shutdown');
    expect(logs).toContain('shutdown complete');
    expect(logs).not.toContain('apply interrupted');
    const [mid] = await direct.db.query<{ status: string; applied: number }>('select status, applied from upload_batch where id = $1', [batch.id]);
    expect(mid.status).toBe('APPLYING');
    expect(Number(mid.applied)).toBeLessThan(toApply);
    // Every chunk committed before the stop is whole: applied rows and events match one for one.
    const [{ n: events }] = await direct.db.query<{ n: number }>('select count(*) as n from event where batch_id = $1', [batch.id]);
    expect(Number(events)).toBe(Number(mid.applied));
    await client.dispose();

    server = await spawnServer(settings());
    const done = await waitForStatus(server.url, auth, batch.id, ['COMPLETED']);
    expect(done.summary).toMatchObject({ applied: toApply, conflicts: 0, failed: 0 });
    await expectAppliedExactlyOnce(direct.db, batch.id, platformId, 'stop.%@apply.example', toApply);
    expect((await terminate(server)).code).toBe(0);
  });

  it('with a validation in flight: hands it back keeping the file, exits within 10 s; the restart validates the whole file once', { timeout: 180_000 }, async () => {
    const auth = { apiKey };
    // 20,000 rows in chunks of 20: long enough to be cut in the middle.
    const rows: string[] = [];
    for (let i = 0; i < 20_000; i++) rows.push(`${ids[i % ids.length]},,,,check.${i}@validate.example,✗`);
    const extra = { VALIDATION_CHUNK_ROWS: '20' };
    let server = await spawnServer(settings(extra));
    const { batch, uploadUrl } = await createBatch(server.url, auth);
    expect((await putFile(uploadUrl, auth, `${HEADER}\n${rows.join('\n')}\n`)).status).toBe(202);
    await until(async () => {
      const [r] = await direct.db.query<{ processed_rows: number }>('select processed_rows from upload_batch where id = $1', [batch.id]);
      return Number(r.processed_rows) >= 1_000;
    });

    const { code, ms } = await terminate(server);

    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
    const logs = server.logs.join('\n');
    expect(logs).toContain('validation paused for shutdown');
    expect(logs).toContain('shutdown complete');
    const [mid] = await direct.db.query<{ status: string; processed_rows: number }>(
      'select status, processed_rows from upload_batch where id = $1',
      [batch.id],
    );
    expect(mid.status).toBe('VALIDATING');
    expect(Number(mid.processed_rows)).toBeLessThan(rows.length);

    server = await spawnServer(settings(extra));
    const done = await waitForStatus(server.url, auth, batch.id, ['VALIDATED']);
    expect(server.logs.join('\n')).toContain('restarting validation');
    expect(done.summary.totalRows).toBe(rows.length);
    // Started over from a clean batch: each row once.
    const [{ n, numbers }] = await direct.db.query<{ n: number; numbers: number }>(
      'select count(*) as n, count(distinct row_number) as numbers from batch_row where batch_id = $1',
      [batch.id],
    );
    expect([Number(n), Number(numbers)]).toEqual([rows.length, rows.length]);
    expect((await terminate(server)).code).toBe(0);
  });
});
