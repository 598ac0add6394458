import { createReadStream } from 'node:fs';
import { parse } from '@fast-csv/parse';
import type Database from 'better-sqlite3';
import { from as copyFrom } from 'pg-copy-streams';
import type { BareDb } from '../bare.js';
import type { Api, BatchState } from '../client.js';
import type { Change, GeneratedUpload } from '../generate.js';
import { type CpuUse, watchCpu, watchPeak } from '../machine.js';
import { type BenchServer, waitLoggedMs } from '../server.js';
import { since } from '../stats.js';

export interface ValidationResult {
  batchId: string;
  /** PUT start to VALIDATED seen by the client (polling every 50 ms). */
  ms: number;
  /** What the server logged for the job alone (upload excluded). */
  jobMs: number | null;
  peakRssMb: number;
  state: BatchState;
  /** Differences between the expected and the reported counts (empty when they agree). */
  mismatches: string[];
  /** CPU used meanwhile by the server process and by the PostgreSQL backends (0 on SQLite: in-process). */
  cpu: CpuUse;
  /** The PUT alone (start → 202). */
  putMs: number;
  /**
   * End of the PUT (202 received) → the first `uploadBatchProblemRows` event with a row, on a
   * graphql-ws subscription opened before the PUT; null when the file has no problem row.
   */
  firstProblemMs: number | null;
}

const PROBLEM_ROWS = 'subscription($id: ID!) { uploadBatchProblemRows(id: $id) { rowNumber } }';

/** Resolves with the time (performance.now) of the first event that carries a row. */
function firstProblemRow(api: Api, id: string): { at: Promise<number | null>; ready: Promise<void>; close(): Promise<void> } {
  const client = api.wsClient();
  const ready = new Promise<void>((resolve) => {
    client.on('connected', () => resolve());
  });
  const at = new Promise<number | null>((resolve, reject) => {
    client.subscribe<{ uploadBatchProblemRows: unknown[] }>(
      { query: PROBLEM_ROWS, variables: { id } },
      {
        next: (value) => {
          if ((value.data?.uploadBatchProblemRows.length ?? 0) > 0) resolve(performance.now());
        },
        error: reject,
        complete: () => resolve(null),
      },
    );
  });
  return { at, ready, close: async () => client.dispose() };
}

/** createUploadBatch, PUT the file, wait for VALIDATED. */
export async function measureValidation(
  api: Api,
  server: BenchServer,
  bare: BareDb,
  upload: GeneratedUpload,
  timeoutMs: number,
): Promise<ValidationResult> {
  const { id, uploadUrl } = await api.createBatch('bench.csv');
  const problems = firstProblemRow(api, id);
  await problems.ready;
  // The subscription's initial read has happened once the server acknowledged it; give it a beat.
  await new Promise((r) => setTimeout(r, 100));
  const logFrom = server.logs.length;
  const cpu = await watchCpu(server.pid, () => bare.backendPids());
  const peak = watchPeak(server.pid);
  const start = performance.now();
  await api.putFile(uploadUrl, upload.path);
  const putEnd = performance.now();
  const state = await api.waitFor(id, ['VALIDATED'], timeoutMs);
  const ms = since(start);
  const firstAt = await Promise.race([problems.at, new Promise<null>((r) => setTimeout(() => r(null), 5_000))]);
  await problems.close();
  const peakRssMb = peak.stop();
  const jobMs = await waitLoggedMs(server.logs, 'batch validated', logFrom);
  const cpuUse = await cpu.stop();
  const s = state.summary;
  const got: Record<Change, number> = { ADD: s.additions, REPLACE: s.replacements, UNCHANGED: s.unchanged, SKIPPED: s.skipped, INVALID: s.invalid };
  const mismatches: string[] = [];
  if (s.totalRows !== upload.rows) mismatches.push(`totalRows ${s.totalRows} ≠ ${upload.rows}`);
  for (const k of Object.keys(got) as Change[]) {
    if (Number.isFinite(upload.expected[k]) && got[k] !== upload.expected[k]) mismatches.push(`${k} ${got[k]} ≠ expected ${upload.expected[k]}`);
  }
  return {
    batchId: id,
    ms,
    jobMs,
    peakRssMb,
    state,
    mismatches,
    cpu: cpuUse,
    putMs: putEnd - start,
    firstProblemMs: firstAt === null ? null : firstAt - putEnd,
  };
}

export interface SmallFileResult {
  rows: number;
  /** End of each PUT (202) → VALIDATED seen by polling every 10 ms, one per upload. */
  putEndToValidatedMs: number[];
  /** The server's own job time for each (its log). */
  jobMs: number[];
  /** @fast-csv/parse alone on the same file. */
  parseMs: number;
}

/**
 * Issue 16's small files: the same `rows`-row file uploaded `times` times in a row (each a new
 * batch, reset after), timed from the end of its PUT to VALIDATED. Polled every 10 ms, so the
 * figure includes at most 10 ms of polling and a query's round trip.
 */
export async function measureSmallFiles(
  api: Api,
  server: BenchServer,
  upload: GeneratedUpload,
  times: number,
  timeoutMs: number,
  reset: (batchId: string) => Promise<void>,
): Promise<SmallFileResult> {
  const out: SmallFileResult = { rows: upload.rows, putEndToValidatedMs: [], jobMs: [], parseMs: (await parseFloor(upload.path)).ms };
  for (let i = 0; i < times; i++) {
    const { id, uploadUrl } = await api.createBatch('small.csv');
    const logFrom = server.logs.length;
    await api.putFile(uploadUrl, upload.path);
    const putEnd = performance.now();
    await api.waitFor(id, ['VALIDATED'], timeoutMs, 10);
    out.putEndToValidatedMs.push(since(putEnd));
    out.jobMs.push((await waitLoggedMs(server.logs, 'batch validated', logFrom)) ?? Number.NaN);
    await reset(id);
  }
  return out;
}

/** Floor: @fast-csv/parse alone reading the same file (same options as the server's parser), counting records. */
export async function parseFloor(path: string): Promise<{ ms: number; records: number }> {
  const start = performance.now();
  let records = 0;
  const parser = createReadStream(path).pipe(parse<string[], string[]>({ headers: false, delimiter: ',', ignoreEmpty: false }));
  await new Promise<void>((resolve, reject) => {
    parser.on('data', () => {
      records++;
    });
    parser.on('end', () => resolve());
    parser.on('error', reject);
  });
  return { ms: since(start), records };
}

const COLUMNS = ['batch_id', 'row_number', 'account_id', 'business_name', 'new_email', 'current_email', 'change', 'issue_mask', 'issues', 'apply_status'];
const SCRATCH = 'bench_scratch_row';

type RowValues = [string, number, string | null, string | null, string | null, string | null, string, number, string | null, string];

/**
 * Floor: the raw bulk insert of the same rows (read back from batch_row, not
 * timed) into a scratch table with batch_row's schema and indexes, in one
 * transaction: better-sqlite3 prepared statement / pg COPY in 50,000-row writes.
 */
export async function insertFloor(bare: BareDb, batchId: string): Promise<{ ms: number; rows: number; pkOnlyMs: number }> {
  const rows = (await bare.query<Record<string, unknown>>(`select ${COLUMNS.join(', ')} from batch_row where batch_id = $1 order by row_number`, [batchId])).map(
    (r) => COLUMNS.map((c) => r[c] ?? null) as RowValues,
  );
  const ms = await timedInsert(bare, rows, true);
  // What-if: the same insert with the primary key only (batch_row has 4 secondary indexes).
  const pkOnlyMs = await timedInsert(bare, rows, false);
  return { ms, rows: rows.length, pkOnlyMs };
}

async function timedInsert(bare: BareDb, rows: RowValues[], withIndexes: boolean): Promise<number> {
  await createScratch(bare, withIndexes);
  try {
    let ms: number;
    if (bare.sqlite) {
      const db = bare.sqlite;
      const stmt = db.prepare(`insert into ${SCRATCH} (${COLUMNS.join(', ')}) values (${COLUMNS.map(() => '?').join(', ')})`);
      const start = performance.now();
      db.transaction(() => {
        for (const r of rows) stmt.run(...r);
      })();
      ms = since(start);
    } else {
      // COPY … FROM STDIN (pg-copy-streams), 50,000 rows per write: since issue 16 the server
      // ingests this way too (the UNNEST insert it replaced was the floor before).
      const client = bare.pg as NonNullable<BareDb['pg']>;
      const start = performance.now();
      await client.query('begin');
      const stream = client.query(copyFrom(`copy ${SCRATCH} (${COLUMNS.join(', ')}) from stdin`));
      const done = new Promise<void>((resolve, reject) => {
        stream.on('finish', resolve);
        stream.on('error', reject);
      });
      for (let i = 0; i < rows.length; i += 50_000) {
        let text = '';
        for (const r of rows.slice(i, i + 50_000)) text += `${r.map(copyText).join('\t')}\n`;
        if (!stream.write(text)) await new Promise((resolve) => stream.once('drain', resolve));
      }
      stream.end();
      await done;
      await client.query('commit');
      ms = since(start);
    }
    return ms;
  } finally {
    await bare.execute(`drop table if exists ${SCRATCH}`);
  }
}

/** A value in COPY's text format (NULL as `\N`; backslash, tab and line breaks escaped). */
function copyText(v: string | number | null): string {
  if (v === null) return '\\N';
  return typeof v === 'number' ? String(v) : v.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c] as string);
}

/** A table shaped like batch_row (columns, key, indexes, fillfactor, and its foreign key if it has one). */
async function createScratch(bare: BareDb, withIndexes: boolean): Promise<void> {
  await bare.execute(`drop table if exists ${SCRATCH}`);
  if (bare.sqlite) {
    const ddl = bare.sqlite
      .prepare(`select sql from sqlite_master where tbl_name = 'batch_row' and sql is not null ${withIndexes ? '' : "and type = 'table'"} order by type desc`)
      .all() as Array<{ sql: string }>;
    for (const { sql } of ddl) bare.sqlite.exec(sql.replace(/batch_row/g, SCRATCH));
  } else {
    const [shape] = await bare.query<{ options: string | null; fk: boolean }>(
      `select array_to_string(reloptions, ', ') as options,
              exists (select 1 from pg_constraint where conrelid = 'batch_row'::regclass and contype = 'f') as fk
         from pg_class where oid = 'batch_row'::regclass`,
    );
    await bare.execute(
      `create table ${SCRATCH} (like batch_row including ${withIndexes ? 'all' : 'defaults including constraints'}) ${shape.options ? `with (${shape.options})` : ''}`,
    );
    if (!withIndexes) await bare.execute(`alter table ${SCRATCH} add primary key (batch_id, row_number)`);
    if (shape.fk) await bare.execute(`alter table ${SCRATCH} add foreign key (batch_id) references upload_batch(id) on delete cascade`);
  }
}

/**
 * Floor for the account lookups: the same account ids (in file order) looked
 * up 1,000 at a time with `id in (…)`, one cached statement per list length,
 * with the bare driver.
 */
export async function lookupFloor(bare: BareDb, batchId: string, platformId: string): Promise<{ ms: number; ids: number }> {
  const ids = (
    await bare.query<{ account_id: string }>('select account_id from batch_row where batch_id = $1 and account_id is not null order by row_number', [batchId])
  ).map((r) => r.account_id);
  const sql = (n: number) =>
    `select id, business_name, first_name, last_name, email, user_claimed_email, status from connected_account
      where platform_id = $1 and id in (${Array.from({ length: n }, (_, i) => `$${i + 2}`).join(', ')})`;
  const start = performance.now();
  if (bare.sqlite) {
    const db = bare.sqlite;
    const cache = new Map<number, Database.Statement<unknown[]>>();
    for (let i = 0; i < ids.length; i += 1_000) {
      const chunk = ids.slice(i, i + 1_000);
      let stmt = cache.get(chunk.length);
      if (!stmt) {
        stmt = db.prepare<unknown[]>(sql(chunk.length).replace(/\$\d+/g, '?'));
        cache.set(chunk.length, stmt);
      }
      stmt.all([platformId, ...chunk]);
    }
  } else {
    for (let i = 0; i < ids.length; i += 1_000) {
      const chunk = ids.slice(i, i + 1_000);
      await bare.query(sql(chunk.length), [platformId, ...chunk]);
    }
  }
  return { ms: since(start), ids: ids.length };
}
