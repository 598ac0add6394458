import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { expect } from 'vitest';
import { parseEnv } from '../../server/src/config/env.js';
import { openOrm } from '../../server/src/db/orm.js';
import { createSqlDatabase, type SqlDatabase } from '../../server/src/db/sql.js';
import { type Batch, getBatch } from './flow.js';
import type { Auth } from './graphql.js';

/**
 * Helpers for suites that run the server as a child process and look at the database directly
 * (restart, faults, corpus): the test process is the only observer that survives a SIGKILL.
 */

import { until } from './poll.js';

export { until };

/**
 * What a user checks after an apply that survived a crash: one event per applied row, each row's
 * event once, every account given its new email (`emailLike`), and none of them changed twice.
 */
export async function expectAppliedExactlyOnce(db: SqlDatabase, batchId: string, platformId: string, emailLike: string, toApply: number): Promise<void> {
  const [{ n: events }] = await db.query<{ n: number }>('select count(*) as n from event where batch_id = $1', [batchId]);
  const [{ n: distinctRows }] = await db.query<{ n: number }>('select count(distinct row_number) as n from event where batch_id = $1', [batchId]);
  expect(Number(events)).toBe(toApply);
  expect(Number(distinctRows)).toBe(toApply);
  const [{ n: changed }] = await db.query<{ n: number }>('select count(*) as n from connected_account where platform_id = $1 and email like $2', [
    platformId,
    emailLike,
  ]);
  expect(Number(changed)).toBe(toApply);
  const [{ n: bumpedTwice }] = await db.query<{ n: number }>('select count(*) as n from connected_account where platform_id = $1 and version > 2', [
    platformId,
  ]);
  expect(Number(bumpedTwice)).toBe(0);
}

/** A connection of the test process to the server's database (migrations run on open). */
export interface DirectDatabase {
  orm: Awaited<ReturnType<typeof openOrm>>;
  db: SqlDatabase;
  close(): Promise<void>;
}

export async function openDirect(databaseUrl: string): Promise<DirectDatabase> {
  const orm = await openOrm(parseEnv({ DATABASE_URL: databaseUrl }).database);
  return { orm, db: createSqlDatabase(orm), close: () => orm.close() };
}

/**
 * Where a child server on `databaseUrl` keeps uploads: beside a SQLite file (removed with it), or a
 * directory named after the PostgreSQL database. One per database, because a server removes every
 * upload file of its directory when it starts.
 */
export function uploadDirOf(databaseUrl: string): string {
  if (databaseUrl.startsWith('sqlite:')) return join(dirname(databaseUrl.slice('sqlite:'.length)), 'uploads');
  return join(tmpdir(), `comms-uploads-${basename(new URL(databaseUrl).pathname)}`);
}

/** Settings for a child server on `databaseUrl`, with its own upload directory. */
export function childSettings(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return { DATABASE_URL: databaseUrl, UPLOAD_DIR: uploadDirOf(databaseUrl), ...extra };
}

/** Peak resident memory of a live process (Linux VmHWM), in MB. */
export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

const n = (v: unknown): number => Number(v ?? 0);

interface BatchRecord {
  id: string;
  status: string;
  total_rows: number;
  additions: number;
  replacements: number;
  unchanged: number;
  skipped: number;
  invalid: number;
  applied: number;
  conflicts: number;
  failed: number;
  file_error_code: string | null;
  failure_message: string | null;
}

/**
 * Every way a batch of `platformId` can be untruthful once the server has settled (no job running):
 * a status that promises work nobody will do, counters that disagree with the rows, an applied row
 * without exactly one event, an event without an applied row. Returns the problems found (empty when
 * every batch tells the truth).
 */
export async function untruthfulBatches(db: SqlDatabase, platformId: string): Promise<string[]> {
  const problems: string[] = [];
  const batches = await db.query<BatchRecord>(
    `select id, status, total_rows, additions, replacements, unchanged, skipped, invalid, applied, conflicts, failed,
            file_error_code, failure_message
       from upload_batch where platform_id = $1`,
    [platformId],
  );
  for (const b of batches) {
    const p = (what: string) => problems.push(`${b.id} (${b.status}): ${what}`);
    const counts = await db.query<{ change: string; apply_status: string; k: number }>(
      'select change, apply_status, count(*) as k from batch_row where batch_id = $1 group by change, apply_status',
      [b.id],
    );
    const rows = (filter: (c: { change: string; apply_status: string }) => boolean) =>
      counts.filter(filter).reduce((s, c) => s + n(c.k), 0);
    const allRows = rows(() => true);
    const [{ k: events }] = await db.query<{ k: number }>('select count(*) as k from event where batch_id = $1', [b.id]);
    const [{ k: eventRows }] = await db.query<{ k: number }>('select count(distinct row_number) as k from event where batch_id = $1', [b.id]);
    const [{ k: orphanEvents }] = await db.query<{ k: number }>(
      `select count(*) as k from event e where e.batch_id = $1 and not exists
         (select 1 from batch_row r where r.batch_id = e.batch_id and r.row_number = e.row_number and r.apply_status = 'APPLIED')`,
      [b.id],
    );
    switch (b.status) {
      case 'VALIDATING':
        p('still VALIDATING after the server settled: nobody is validating it');
        break;
      case 'AWAITING_UPLOAD':
      case 'REJECTED':
      case 'EXPIRED':
        if (allRows !== 0) p(`${allRows} rows kept`);
        if (b.status === 'REJECTED' && !b.file_error_code) p('no file error');
        break;
      case 'FAILED':
        if (!b.failure_message) p('no failure message');
        break;
      case 'APPLYING':
        p('still APPLYING after the server settled');
        break;
      default:
        break;
    }
    if (['VALIDATED', 'APPLYING', 'COMPLETED', 'CANCELED'].includes(b.status)) {
      if (allRows !== n(b.total_rows)) p(`total_rows ${b.total_rows} but ${allRows} rows`);
      const byChange: Array<[string, number]> = [
        ['ADD', n(b.additions)],
        ['REPLACE', n(b.replacements)],
        ['UNCHANGED', n(b.unchanged)],
        ['SKIPPED', n(b.skipped)],
        ['INVALID', n(b.invalid)],
      ];
      for (const [change, counter] of byChange) {
        const actual = rows((c) => c.change === change);
        if (actual !== counter) p(`${change} counter ${counter} but ${actual} rows`);
      }
    }
    if (b.status === 'COMPLETED') {
      const pending = rows((c) => c.apply_status === 'PENDING');
      if (pending !== 0) p(`${pending} rows still PENDING`);
      const outcome: Array<[string, number]> = [
        ['APPLIED', n(b.applied)],
        ['CONFLICT', n(b.conflicts)],
        ['FAILED', n(b.failed)],
      ];
      for (const [status, counter] of outcome) {
        const actual = rows((c) => c.apply_status === status);
        if (actual !== counter) p(`${status} counter ${counter} but ${actual} rows`);
      }
      if (n(b.applied) + n(b.conflicts) + n(b.failed) !== n(b.additions) + n(b.replacements)) {
        p('applied + conflicts + failed differs from additions + replacements');
      }
    }
    const appliedRows = rows((c) => c.apply_status === 'APPLIED');
    if (n(b.applied) !== appliedRows) p(`applied counter ${b.applied} but ${appliedRows} APPLIED rows`);
    if (n(events) !== appliedRows) p(`${events} events for ${appliedRows} applied rows`);
    if (n(eventRows) !== n(events)) p(`${events} events for ${eventRows} distinct rows`);
    if (n(orphanEvents) !== 0) p(`${orphanEvents} events without an APPLIED row`);
  }
  return problems;
}

/** An upload left open: headers (and `firstPart`) sent, the rest never comes. */
export interface HeldUpload {
  /** Settles when the connection ends (a crash of the server included); never rejects. */
  ended: Promise<void>;
}

/**
 * Starts a PUT of an upload and holds it open after `firstPart` (possibly empty: headers only), to
 * crash the server while it waits for the rest. node:http rather than fetch: fetch sends nothing,
 * headers included, until the body yields its first chunk.
 */
export function holdUpload(uploadUrl: string, authorization: string, firstPart: Buffer): HeldUpload {
  const req = request(uploadUrl, { method: 'PUT', headers: { authorization, 'content-type': 'text/csv', 'transfer-encoding': 'chunked' } });
  const ended = new Promise<void>((resolve) => {
    req.once('error', () => resolve());
    req.once('close', () => resolve());
    req.once('response', (res) => {
      res.resume();
      res.once('end', () => resolve());
    });
  });
  req.flushHeaders();
  if (firstPart.length > 0) req.write(firstPart);
  return { ended };
}

/**
 * Polls a batch until it reaches one of `statuses`, like flow.waitForStatus, but rides out a
 * connection reset: a server chewing through a 500,000-row file on a loaded machine can drop a
 * kept-alive socket just as the next poll reuses it.
 */
export async function settle(url: string, auth: Auth, id: string, statuses: string[], timeoutMs = 240_000): Promise<Batch> {
  let resets = 0;
  const seen: { batch: Batch | null } = { batch: null };
  await until(
    async () => {
      try {
        seen.batch = await getBatch(url, auth, id);
      } catch (err) {
        // fetch reports a dropped connection as a TypeError; anything else (a GraphQL error) is real.
        if (!(err instanceof TypeError) || ++resets > 5) throw err;
      }
      return seen.batch !== null && statuses.includes(seen.batch.status);
    },
    timeoutMs,
    `batch ${id} in ${statuses.join('|')}`,
    100,
  );
  return seen.batch as Batch;
}
