import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../server/src/config/env.js';
import { openOrm } from '../../server/src/db/orm.js';
import { createSqlDatabase, type SqlDatabase } from '../../server/src/db/sql.js';
import { createPlatform } from '../../server/src/modules/platforms/platform.service.js';
import { createTestDatabase, TEST_DB, type TestDatabase } from '../support/database.js';
import { expectAppliedExactlyOnce, until } from '../support/faults.js';
import { type Batch, createBatch, HEADER, putFile, waitForStatus } from '../support/flow.js';
import { gqlData, subscribeAll, wsClient } from '../support/graphql.js';
import { type ServerProcess, spawnServer } from '../support/process.js';
import { createEndpoint } from '../webhooks/helpers.js';
import { Receiver } from '../webhooks/receiver.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

// The scale-out topology needs PostgreSQL (several processes on one database) and Redis.
describe.skipIf(TEST_DB !== 'postgres')('scale-out: two API instances and a worker (needs TEST_DB=postgres and Redis; skipped on SQLite)', () => {
  let database: TestDatabase;
  let orm: Awaited<ReturnType<typeof openOrm>>;
  let db: SqlDatabase;
  let apiKey: string;
  let platformId: string;
  let ids: string[];
  const processes: ServerProcess[] = [];
  const receivers: Receiver[] = [];
  // A prefix per run: parallel runs (and earlier ones) sharing the Redis never see each other's jobs.
  const prefix = `comms-test-${process.pid}-${Date.now()}`;
  const settings = (role: 'api' | 'worker', extra: Record<string, string> = {}) => ({
    ROLE: role,
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_PREFIX: prefix,
    // A dead worker's jobs are taken over within seconds instead of BullMQ's default 30.
    JOB_LOCK_MS: '2000',
    APPLY_CHUNK_ROWS: '25',
    WEBHOOK_TIMEOUT_MS: '2000',
    WEBHOOK_POLL_INTERVAL_MS: '100',
    // A directory per process: the upload must travel through the database, not a shared disk.
    UPLOAD_DIR: join(tmpdir(), `comms-scaleout-${process.pid}-${role}-${processes.length}`),
    ...extra,
  });
  const spawn = async (role: 'api' | 'worker', extra: Record<string, string> = {}) => {
    const p = await spawnServer(settings(role, extra));
    processes.push(p);
    return p;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    orm = await openOrm(parseEnv({ DATABASE_URL: database.url }).database);
    db = createSqlDatabase(orm);
    const p = await createPlatform(orm.em.fork(), db, { name: 'Scale-out Ltd', accounts: 2500 });
    apiKey = p.apiKey;
    platformId = p.platformId;
    ids = (
      await db.query<{ id: string }>(`select id from connected_account where platform_id = $1 and status not in ('closed', 'rejected') order by id`, [
        platformId,
      ])
    ).map((r) => r.id);
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill('SIGKILL')));
    await Promise.all(receivers.map((r) => r.down()));
    await orm?.close();
    await database?.drop();
    // Leave the shared Redis as we found it.
    const redis = new Redis(REDIS_URL);
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  });

  it('validates on the worker, streams progress to A, survives a worker SIGKILL mid-apply exactly once', { timeout: 240_000 }, async () => {
    const auth = { apiKey };
    const [a, b] = [await spawn('api'), await spawn('api')];
    let worker = await spawn('worker');
    // A worker serves only the probes.
    expect((await fetch(`${worker.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${worker.url}/graphql`)).status).toBe(404);

    const receiver = await Receiver.start();
    receivers.push(receiver);
    const { endpoint } = await createEndpoint(b.url, auth, { url: receiver.url });

    // Created on A, uploaded through B, watched on A.
    const { batch, uploadUrl } = await createBatch(a.url, auth);
    expect(uploadUrl).toContain(`/files/uploads/${encodeURIComponent(batch.id)}`);
    const client = wsClient(`${a.url.replace(/^http/, 'ws')}/graphql`, auth);
    const updates = subscribeAll<{ uploadBatchUpdated: Batch }>(
      client,
      'subscription($id: ID!) { uploadBatchUpdated(id: $id) { id status summary { totalRows additions replacements applied } } }',
      { id: batch.id },
    );
    await until(() => updates.events.length > 0, 10_000, 'first subscription event');
    const csv = `${HEADER}\n${ids.map((id, i) => `${id},,,,scale.${i}@out.example,✗`).join('\n')}\n`;
    const put = await putFile(`${b.url}/files/uploads/${encodeURIComponent(batch.id)}`, auth, csv);
    expect(put.status).toBe(202);
    await until(() => updates.events.some((e) => e.uploadBatchUpdated.status === 'VALIDATED'), 60_000, 'VALIDATED on the subscription');
    const validated = await waitForStatus(b.url, auth, batch.id, ['VALIDATED']);
    const toApply = validated.summary.additions + validated.summary.replacements;
    expect(toApply).toBe(ids.length);
    // The upload went through the database and was removed once validated.
    const [{ n: chunksLeft }] = await db.query<{ n: number }>('select count(*) as n from upload_chunk where batch_id = $1', [batch.id]);
    expect(Number(chunksLeft)).toBe(0);

    // Confirmed via B; the worker applies; SIGKILL it mid-way.
    await gqlData(b.url, auth, 'mutation($id: ID!) { confirmUploadBatch(id: $id) { status } }', { id: batch.id });
    await until(async () => {
      const [r] = await db.query<{ applied: number }>('select applied from upload_batch where id = $1', [batch.id]);
      return Number(r.applied) >= 300;
    }, 60_000, 'apply under way');
    const killedAt = Date.now();
    await worker.kill('SIGKILL');
    const [mid] = await db.query<{ status: string; applied: number }>('select status, applied from upload_batch where id = $1', [batch.id]);
    expect(mid.status).toBe('APPLYING');
    expect(Number(mid.applied)).toBeLessThan(toApply);

    worker = await spawn('worker');
    await until(() => updates.events.some((e) => e.uploadBatchUpdated.status === 'COMPLETED'), 120_000, 'COMPLETED on the subscription');
    await updates.done;
    await client.dispose();
    // The subscription on A saw the worker's progress, not only the end.
    const applyingSteps = updates.events.filter((e) => e.uploadBatchUpdated.status === 'APPLYING');
    expect(applyingSteps.length).toBeGreaterThan(1);

    const done = await waitForStatus(b.url, auth, batch.id, ['COMPLETED']);
    expect(done.summary).toMatchObject({ applied: toApply });
    // Exactly once: one event per applied row, each account changed once.
    await expectAppliedExactlyOnce(db, batch.id, platformId, 'scale.%@out.example', toApply);

    // Webhooks: every event reaches the endpoint, and the delivery log holds one delivered row per event.
    // A request cut off by the SIGKILL (sent, result not written) is sent again once its lease ends:
    // that is the documented at-least-once window, so a repeat is allowed only for a request made before the kill.
    const eventIds = (await db.query<{ id: string }>('select id from event where batch_id = $1', [batch.id])).map((r) => r.id);
    await until(
      async () => {
        const [{ n }] = await db.query<{ n: number }>(`select count(*) as n from webhook_delivery where endpoint_id = $1 and status = 'delivered'`, [
          endpoint.id,
        ]);
        return Number(n) === toApply;
      },
      150_000,
      'every delivery delivered',
    );
    const byId = new Map<string, number[]>();
    for (const q of receiver.requests) {
      const id = q.headers['webhook-id'];
      byId.set(id, [...(byId.get(id) ?? []), q.at]);
    }
    expect(new Set(byId.keys())).toEqual(new Set(eventIds));
    for (const [id, times] of byId) {
      const afterKill = times.filter((t) => t > killedAt + 50);
      expect(afterKill.length, `event ${id} delivered more than once after the crash`).toBeLessThanOrEqual(1);
      if (times.length > 1) expect(Math.min(...times), `event ${id} repeated without a crash`).toBeLessThanOrEqual(killedAt + 50);
    }
    const [{ n: rowsPerEvent }] = await db.query<{ n: number }>(
      'select count(*) as n from (select event_seq from webhook_delivery where endpoint_id = $1 group by event_seq having count(*) > 1) d',
      [endpoint.id],
    );
    expect(Number(rowsPerEvent)).toBe(0);
  });

  it('a worker stopped with SIGTERM hands its validation and its apply back to the queue; the next worker finishes each once', { timeout: 240_000 }, async () => {
    // A platform of its own: the first test already changed the other one's accounts.
    const own = await createPlatform(orm.em.fork(), db, { name: 'Hand-back Ltd', accounts: 1500 });
    const auth = { apiKey: own.apiKey };
    const ids = (
      await db.query<{ id: string }>(`select id from connected_account where platform_id = $1 and status not in ('closed', 'rejected') order by id`, [
        own.platformId,
      ])
    ).map((r) => r.id);
    // Small chunks, so each job is cut in its middle.
    const slow = { VALIDATION_CHUNK_ROWS: '10', APPLY_CHUNK_ROWS: '10' };
    // One worker at a time, so the one stopped is the one holding the job.
    await Promise.all(processes.splice(0).map((p) => p.kill('SIGKILL')));
    const api = await spawn('api');
    const stop = async (worker: ServerProcess, what: string) => {
      const started = performance.now();
      expect(await worker.kill('SIGTERM')).toBe(0);
      expect(performance.now() - started).toBeLessThan(10_000);
      const logs = worker.logs.join('\n');
      expect(logs).toContain(what);
      expect(logs).toContain('job handed back at shutdown');
      expect(logs).toContain('shutdown complete');
    };
    const processed = async (id: string, column: 'processed_rows' | 'applied') => {
      const [r] = await db.query<{ n: number }>(`select ${column} as n from upload_batch where id = $1`, [id]);
      return Number(r.n);
    };

    // Validation: 10,000 rows (each account several times: the repeats are flagged, still rows).
    const rows: string[] = [];
    for (let i = 0; i < 10_000; i++) rows.push(`${ids[i % ids.length]},,,,again.${i}@handback.example,✗`);
    let worker = await spawn('worker', slow);
    const first = await createBatch(api.url, auth);
    expect((await putFile(`${api.url}/files/uploads/${encodeURIComponent(first.batch.id)}`, auth, `${HEADER}\n${rows.join('\n')}\n`)).status).toBe(202);
    await until(async () => (await processed(first.batch.id, 'processed_rows')) >= 500, 60_000, 'validation under way');
    await stop(worker, 'validation paused for shutdown');
    expect(await processed(first.batch.id, 'processed_rows')).toBeLessThan(rows.length);
    // The file stays in the database for whoever takes the job next.
    const [{ n: kept }] = await db.query<{ n: number }>('select count(*) as n from upload_chunk where batch_id = $1', [first.batch.id]);
    expect(Number(kept)).toBeGreaterThan(0);

    worker = await spawn('worker', slow);
    const validated = await waitForStatus(api.url, auth, first.batch.id, ['VALIDATED'], 120_000);
    expect(validated.summary.totalRows).toBe(rows.length);
    const [{ n, numbers }] = await db.query<{ n: number; numbers: number }>(
      'select count(*) as n, count(distinct row_number) as numbers from batch_row where batch_id = $1',
      [first.batch.id],
    );
    expect([Number(n), Number(numbers)]).toEqual([rows.length, rows.length]);
    await gqlData(api.url, auth, 'mutation($id: ID!) { cancelUploadBatch(id: $id) { status } }', { id: first.batch.id });

    // Apply: every eligible account once.
    const second = await createBatch(api.url, auth);
    const csv = `${HEADER}\n${ids.map((id, i) => `${id},,,,handed.${i}@back.example,✗`).join('\n')}\n`;
    expect((await putFile(`${api.url}/files/uploads/${encodeURIComponent(second.batch.id)}`, auth, csv)).status).toBe(202);
    const ready = await waitForStatus(api.url, auth, second.batch.id, ['VALIDATED'], 120_000);
    const toApply = ready.summary.additions + ready.summary.replacements;
    await gqlData(api.url, auth, 'mutation($id: ID!) { confirmUploadBatch(id: $id) { status } }', { id: second.batch.id });
    await until(async () => (await processed(second.batch.id, 'applied')) >= 200, 60_000, 'apply under way');
    await stop(worker, 'apply paused for shutdown');
    const [mid] = await db.query<{ status: string; applied: number }>('select status, applied from upload_batch where id = $1', [second.batch.id]);
    expect(mid.status).toBe('APPLYING');
    expect(Number(mid.applied)).toBeLessThan(toApply);

    worker = await spawn('worker', slow);
    const done = await waitForStatus(api.url, auth, second.batch.id, ['COMPLETED'], 120_000);
    expect(done.summary).toMatchObject({ applied: toApply, conflicts: 0, failed: 0 });
    await expectAppliedExactlyOnce(db, second.batch.id, own.platformId, 'handed.%@back.example', toApply);
  });
});
