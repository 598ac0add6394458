import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatform } from '../../server/src/modules/platforms/platform.service.js';
import { TEST_DB, createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  childSettings,
  type DirectDatabase,
  holdUpload,
  openDirect,
  untruthfulBatches,
  until,
  uploadDirOf,
} from '../support/faults.js';
import { HEADER, createBatch, getBatch, putFile, waitForStatus } from '../support/flow.js';
import { gqlData } from '../support/graphql.js';
import { type ServerProcess, spawnServer } from '../support/process.js';

/**
 * Crashes and lost connections, with the server as a child process (SIGKILL is the crash: no
 * handler runs) and the test process reading the database directly. test/flow/restart.test.ts
 * covers one kill during apply and one during validation; this suite kills at several points of
 * each phase, the upload included, and checks that every batch then tells the truth
 * (support/faults.ts, untruthfulBatches) and every applied row was applied exactly once.
 *
 * The cases form one chain of server lifetimes (each test starts from the server the previous one
 * left running, and the check of one crash shares its restart with the next crash): a restart of
 * the server costs about 5 s here, the bulk of this suite's time.
 */

const CONFIRM = 'mutation($id: ID!) { confirmUploadBatch(id: $id) { status } }';
/**
 * Small chunks make the apply last long enough to be killed at chosen points. The webhook worker
 * sleeps (no endpoints here): on SQLite its polling would take turns with the apply at waiting out
 * the busy timeout of the connection-lost case, tripling that case's time.
 */
const SETTINGS = {
  LOG_LEVEL: 'info',
  APPLY_CHUNK_ROWS: '5',
  VALIDATION_CHUNK_ROWS: '50',
  WEBHOOK_POLL_INTERVAL_MS: '3600000',
  PGAPPNAME: `comms-faults-${process.pid}`,
};

describe('faults: SIGKILL at several points, lost database connections', () => {
  let database: TestDatabase;
  let direct: DirectDatabase;
  let platformId: string;
  let auth: { apiKey: string };
  let ids: string[];
  let server: ServerProcess;
  const children: ServerProcess[] = [];

  /** Kills the running server like a crash (unless it is gone already) and starts a new one. */
  const restart = async () => {
    if (server) await server.kill('SIGKILL');
    server = await spawnServer(childSettings(database.url, SETTINGS));
    children.push(server);
    return server;
  };
  const batchRow = async (id: string) => {
    const [r] = await direct.db.query<{ status: string; applied: number; processed_rows: number }>(
      'select status, applied, processed_rows from upload_batch where id = $1',
      [id],
    );
    return { status: r.status, applied: Number(r.applied), processed: Number(r.processed_rows) };
  };
  /** A CSV giving each of `accountIds` a fresh email tagged with `tag`. */
  const csvFor = (accountIds: string[], tag: string) =>
    `${HEADER}\n${accountIds.map((id, i) => `${id},,,,${tag}.${i}@faults.example,✗`).join('\n')}\n`;
  /** The same path on the server now running (URLs carry the origin of the server that made them). */
  const here = (url: string) => `${server.url}${new URL(url).pathname}`;

  beforeAll(async () => {
    database = await createTestDatabase();
    direct = await openDirect(database.url);
    const p = await createPlatform(direct.orm.em.fork(), direct.db, { name: 'Faults Ltd', accounts: 8000 });
    platformId = p.platformId;
    auth = { apiKey: p.apiKey };
    ids = (
      await direct.db.query<{ id: string }>(
        `select id from connected_account where platform_id = $1 and status not in ('closed', 'rejected') order by id`,
        [platformId],
      )
    ).map((r) => r.id);
    await restart();
  }, 120_000);

  afterAll(async () => {
    for (const c of children) await c.kill('SIGKILL');
    await direct?.close();
    if (database && !database.url.startsWith('sqlite:')) rmSync(uploadDirOf(database.url), { recursive: true, force: true });
    await database?.drop();
  });

  it('SIGKILL during uploads: cut uploads end FAILED, an untouched batch still takes its upload', async () => {
    const untouched = await createBatch(server.url, auth, { filename: 'later.csv' });
    const body = Buffer.from(csvFor(ids.slice(0, 3000), 'cut'));
    // Two uploads held open: one has sent only its headers, one half of its bytes.
    const cut = await Promise.all(
      [Buffer.alloc(0), body.subarray(0, body.length / 2)].map(async (firstPart) => {
        const created = await createBatch(server.url, auth, { filename: 'cut.csv' });
        const held = holdUpload(created.uploadUrl, `Bearer ${auth.apiKey}`, firstPart);
        const file = join(uploadDirOf(database.url), `${created.batch.id}.upload`);
        // The server claimed the batch and wrote what arrived.
        await until(async () => (await batchRow(created.batch.id)).status === 'VALIDATING');
        await until(async () => existsSync(file) && statSync(file).size >= firstPart.length);
        return { created, held };
      }),
    );
    await restart();
    for (const c of cut) await c.held.ended;
    for (const { created } of cut) {
      const b = await getBatch(server.url, auth, created.batch.id);
      expect(b?.status).toBe('FAILED');
      expect(b?.failureMessage).toMatch(/Upload the file again/);
      // The upload URL worked once: it does not come back to life.
      expect((await putFile(here(created.uploadUrl), auth, body)).status).toBe(409);
      expect(existsSync(join(uploadDirOf(database.url), `${created.batch.id}.upload`))).toBe(false);
    }
    expect((await getBatch(server.url, auth, untouched.batch.id))?.status).toBe('AWAITING_UPLOAD');
    expect((await putFile(here(untouched.uploadUrl), auth, csvFor(ids.slice(0, 10), 'later'))).status).toBe(202);
    expect((await waitForStatus(server.url, auth, untouched.batch.id, ['VALIDATED'])).summary.additions).toBeGreaterThan(0);
    expect(await untruthfulBatches(direct.db, platformId)).toEqual([]);
  });

  it('SIGKILL during validation, early and half-way: the next start validates the stored file again, each row once', async () => {
    const lines = [HEADER];
    for (let i = 0; i < 20_000; i++) lines.push(`${ids[i % ids.length]},,,,,✗`);
    const file = `${lines.join('\n')}\n`;
    const killed: string[] = [];
    for (const point of [0.01, 0.5]) {
      const { batch, uploadUrl } = await createBatch(server.url, auth);
      expect((await putFile(uploadUrl, auth, file)).status).toBe(202);
      await until(async () => (await batchRow(batch.id)).processed >= 20_000 * point);
      await server.kill('SIGKILL');
      expect((await batchRow(batch.id)).status).toBe('VALIDATING');
      killed.push(batch.id);
      await restart();
    }
    for (const id of killed) {
      const b = await waitForStatus(server.url, auth, id, ['VALIDATED']);
      expect(b.summary.totalRows).toBe(20_000);
      const [{ n, numbers }] = await direct.db.query<{ n: number; numbers: number }>(
        'select count(*) as n, count(distinct row_number) as numbers from batch_row where batch_id = $1',
        [id],
      );
      expect([Number(n), Number(numbers)]).toEqual([20_000, 20_000]);
    }
    expect(await untruthfulBatches(direct.db, platformId)).toEqual([]);
  });

  it('SIGKILL during apply at once, at 25%, 50% and 90%: each row applied exactly once, one event each', { timeout: 120_000 }, async () => {
    const targets = ids.slice(3000, 5000);
    const { batch, uploadUrl } = await createBatch(server.url, auth, { filename: 'apply.csv' });
    expect((await putFile(uploadUrl, auth, csvFor(targets, 'apply'))).status).toBe(202);
    const validated = await waitForStatus(server.url, auth, batch.id, ['VALIDATED']);
    const toApply = validated.summary.additions + validated.summary.replacements;
    expect(toApply).toBe(targets.length);
    // Changed since validation: must end CONFLICT and keep the newer email. Closed since: FAILED.
    const changedMeanwhile = targets[5];
    await gqlData(server.url, auth, 'mutation($id: ID!) { updateConnectedAccount(id: $id, input: { email: "newer@faults.example" }) { id } }', {
      id: changedMeanwhile,
    });
    await direct.db.execute(`update connected_account set status = 'closed' where platform_id = $1 and id = $2`, [platformId, targets[6]]);

    await gqlData(server.url, auth, CONFIRM, { id: batch.id });
    for (const point of [0, 0.25, 0.5, 0.9]) {
      await until(async () => (await batchRow(batch.id)).applied >= toApply * point);
      await server.kill('SIGKILL');
      const mid = await batchRow(batch.id);
      // Killed mid-apply, and what committed is consistent: as many events as applied rows.
      expect(mid.status).toBe('APPLYING');
      const [{ n }] = await direct.db.query<{ n: number }>('select count(*) as n from event where batch_id = $1', [batch.id]);
      expect(Number(n)).toBe(mid.applied);
      await restart();
    }
    const done = await waitForStatus(server.url, auth, batch.id, ['COMPLETED']);
    expect(done.summary).toMatchObject({ applied: toApply - 2, conflicts: 1, failed: 1 });
    expect(server.logs.some((l) => l.includes('resuming apply'))).toBe(true);

    // Exactly once: each applied account changed once (version 1 → 2), with one event of this batch.
    const accounts = await direct.db.query<{ id: string; version: number; events: number }>(
      `select a.id, a.version, (select count(*) from event e where e.batch_id = $2 and e.account_id = a.id) as events
         from connected_account a where a.platform_id = $1 and a.email like 'apply.%@faults.example'`,
      [platformId, batch.id],
    );
    expect(accounts.length).toBe(toApply - 2);
    expect(accounts.filter((a) => Number(a.version) !== 2 || Number(a.events) !== 1)).toEqual([]);
    const [conflicted] = await direct.db.query<{ email: string }>('select email from connected_account where platform_id = $1 and id = $2', [
      platformId,
      changedMeanwhile,
    ]);
    expect(conflicted.email).toBe('newer@faults.example');
    expect(await untruthfulBatches(direct.db, platformId)).toEqual([]);
  });

  /**
   * "Connection lost", per database. PostgreSQL: the server's backends are terminated
   * (pg_terminate_backend) while its apply transaction waits on a row the test holds locked, so the
   * loss lands inside a chunk. SQLite has no connection to lose; its failure is another process
   * holding the write lock past the busy timeout (10 s), after which the chunk's transaction fails
   * with SQLITE_BUSY. Either way the apply job must fail that chunk, retry, and finish exactly once.
   */
  it('database connection lost mid-apply: the apply job retries and finishes', { timeout: 120_000 }, async () => {
    // Accounts no other case applies to; enough chunks that the apply is still running when the fault hits.
    const targets = ids.slice(0, 3000);
    const { batch, uploadUrl } = await createBatch(server.url, auth, { filename: 'connection.csv' });
    expect((await putFile(uploadUrl, auth, csvFor(targets, 'conn'))).status).toBe(202);
    const validated = await waitForStatus(server.url, auth, batch.id, ['VALIDATED']);
    const toApply = validated.summary.additions + validated.summary.replacements;
    const retried = () => server.logs.some((l) => l.includes('apply failed; retrying'));

    if (TEST_DB === 'postgres') {
      const holder = new pg.Client({ connectionString: database.url });
      await holder.connect();
      try {
        // Lock the account of the last row: every chunk before it applies, its chunk waits.
        await holder.query('begin');
        await holder.query('select id from connected_account where platform_id = $1 and id = $2 for update', [platformId, targets.at(-1)]);
        await gqlData(server.url, auth, CONFIRM, { id: batch.id });
        await until(async () => {
          const r = await holder.query(`select count(*) as n from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'`, [
            SETTINGS.PGAPPNAME,
          ]);
          return Number(r.rows[0].n) > 0;
        });
        expect((await batchRow(batch.id)).applied).toBeGreaterThan(0);
        const killed = await holder.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [
          SETTINGS.PGAPPNAME,
        ]);
        expect(killed.rows.length).toBeGreaterThan(0);
        await until(async () => retried(), 30_000, 'a retried chunk', 50);
      } finally {
        await holder.query('rollback');
        await holder.end();
      }
    } else {
      await gqlData(server.url, auth, CONFIRM, { id: batch.id });
      await until(async () => (await batchRow(batch.id)).applied > 0);
      const release = await holdSqliteWriteLock();
      try {
        // The server's next chunk waits out its busy timeout, fails SQLITE_BUSY, and is retried.
        // better-sqlite3 waits synchronously, so every writer of the server (the apply, the webhook
        // worker) stalls its whole event loop for the busy timeout in turn: the failure and its log
        // lines can take a few timeouts to come out.
        await until(async () => retried(), 60_000, 'a retried chunk', 50);
      } finally {
        await release();
      }
    }

    const done = await waitForStatus(server.url, auth, batch.id, ['COMPLETED'], 60_000);
    expect(done.summary).toMatchObject({ applied: toApply, conflicts: 0, failed: 0 });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const [{ n, rows }] = await direct.db.query<{ n: number; rows: number }>(
      'select count(*) as n, count(distinct row_number) as rows from event where batch_id = $1',
      [batch.id],
    );
    expect([Number(n), Number(rows)]).toEqual([toApply, toApply]);
  });

  it('afterwards: every batch truthful, the server ready, no upload file left behind', async () => {
    expect(await untruthfulBatches(direct.db, platformId)).toEqual([]);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const dir = uploadDirOf(database.url);
    expect(existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.upload')) : []).toEqual([]);
  });

  /**
   * Takes SQLite's write lock from the test process while the server applies. The server is paused
   * (SIGSTOP) while we try, or its chunk loop would win every race for the lock; when it was paused
   * inside a transaction we let it go on and try again. Returns the release.
   */
  async function holdSqliteWriteLock(): Promise<() => Promise<void>> {
    const pid = server.child.pid as number;
    // One connection in the test process: fail at once when the lock is taken instead of waiting.
    await direct.db.execute('pragma busy_timeout = 0');
    for (let attempt = 0; attempt < 200; attempt++) {
      process.kill(pid, 'SIGSTOP');
      let release: () => void = () => undefined;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let acquired: () => void = () => undefined;
      const locked = new Promise<'locked'>((resolve) => {
        acquired = () => resolve('locked');
      });
      const holding = direct.db.transaction(async (tx) => {
        // The connection stays ours until the release: restore the usual wait from inside.
        await tx.execute('pragma busy_timeout = 10000');
        acquired();
        await released;
      });
      const outcome = await Promise.race([locked, holding.then(() => 'done' as const, () => 'busy' as const)]);
      process.kill(pid, 'SIGCONT');
      if (outcome === 'locked') {
        return async () => {
          release();
          await holding;
        };
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    await direct.db.execute('pragma busy_timeout = 10000');
    throw new Error('could not take the SQLite write lock');
  }
});
