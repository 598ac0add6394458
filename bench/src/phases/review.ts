import { postgresTrigramIndex, sqliteTrigramIndex } from '../../../server/src/db/trigram-index.js';
import { batchRowFilterSql, type RowFilter } from '../../../server/src/modules/batches/batch-row-filter.js';
import { searchIndexTable } from '../../../server/src/modules/batches/search/search-index.store.js';
import { type BareDb, sqliteSql } from '../bare.js';
import { loggedMs } from '../server.js';
import type { Api } from '../client.js';
import { percentile, since } from '../stats.js';

/** The dashboard's BatchRows query (client/src/graphql/documents.ts). */
const ROWS_QUERY = `query BatchRows($id: ID!, $first: Int!, $after: String, $filter: BatchRowFilter) {
  uploadBatch(id: $id) {
    id
    rows(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { rowNumber accountId businessName newEmail currentEmail change applyStatus issues { code severity message } } }
    }
  }
}`;


/**
 * The filters a reviewer clicks (changes to apply, errors, warnings) and searches typed in the
 * box: a piece of one address (a few rows), and a piece that most addresses hold. The first
 * search asks for the batch's search index (modules/batches/search); the pages are measured once
 * it is published, and its build time is reported.
 */
const FILTERS: RowFilter[] = [
  { changes: ['ADD', 'REPLACE'] },
  { changes: ['INVALID'] },
  { issueCodes: ['NAME_MISMATCH', 'CLAIMED_EMAIL_REPLACED'] },
  { search: 'upd.4242' },
  { search: 'example' },
];

export interface LatencyResult {
  p50: number;
  p95: number;
  samples: number;
}

export interface ReviewResult {
  plain: LatencyResult;
  filtered: LatencyResult;
  /** Filtered pages by filter (JSON of the filter → latency), to find a slow one. */
  byFilter: Record<string, LatencyResult>;
  floorPlain: LatencyResult;
  floorFiltered: LatencyResult;
  /** The database's plan for each filter's page query. */
  plans: Record<string, string>;
  /** From the first search to the batch's search index published (null: not built within 5 minutes). */
  searchIndexMs: number | null;
  /** The build as the server logged it (search-index.ts: fill, finish, publish). */
  searchIndexJobMs: number | null;
  /** A search's page (the first filter searching a piece) before the index: the read of every row. */
  searchUnindexedMs: number;
}

const PAGE = 100;

function latency(ms: number[]): LatencyResult {
  return { p50: percentile(ms, 50), p95: percentile(ms, 95), samples: ms.length };
}

interface RowsPage {
  uploadBatch: {
    rows: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: Array<{ node: { rowNumber: number } }> };
  } | null;
}

/** A page as the floor replays it: the filter and the row number the server's cursor stood for (0: the first page). */
interface PlannedPage {
  filter?: RowFilter;
  after: number;
}

/**
 * `pages` pages of 100 rows without a filter and `pages` with one of the reviewer's filters (in
 * turn), sequentially, over GraphQL HTTP, each filter walked from its first page with the
 * `pageInfo.endCursor` of the page before (the server refuses cursors it did not issue), starting
 * again at the first page at the end; then the same pages (count + keyset page, as
 * batch-rows.service.ts) with the bare driver.
 */
export async function measureReview(api: Api, bare: BareDb, batchId: string, pages: number, serverLogs: readonly string[] = []): Promise<ReviewResult> {
  let indexed = false;
  // One walker per filter (undefined: no filter): the server's cursor and the row number it stands for.
  const walkers = new Map<RowFilter | undefined, { cursor: string | null; after: number }>();
  const viaApi = async (filter: RowFilter | undefined, replay: PlannedPage[]) => {
    let walker = walkers.get(filter);
    if (!walker) {
      walker = { cursor: null, after: 0 };
      walkers.set(filter, walker);
    }
    replay.push({ filter, after: walker.after });
    const start = performance.now();
    const data = await api.gql<RowsPage>(ROWS_QUERY, { id: batchId, first: PAGE, after: walker.cursor, filter: filter ?? null });
    const ms = since(start);
    const rows = data.uploadBatch?.rows;
    if (!rows) throw new Error(`batch ${batchId} not found`);
    const last = rows.edges.at(-1)?.node.rowNumber;
    if (rows.pageInfo.hasNextPage && rows.pageInfo.endCursor && last !== undefined) walker.cursor = rows.pageInfo.endCursor;
    else walker.cursor = null;
    walker.after = walker.cursor === null ? 0 : (last ?? 0);
    return ms;
  };
  const pageSql = (filter: RowFilter | undefined) => {
    const params: unknown[] = [batchId];
    const index = indexed ? { table: searchIndexTable(batchId), trigram: bare.sqlite ? sqliteTrigramIndex : postgresTrigramIndex } : null;
    const where = ['batch_id = $1', ...batchRowFilterSql(filter, params, index)];
    params.push(0);
    where.push(`row_number > $${params.length}`);
    params.push(PAGE + 1);
    const sql = `select row_number, account_id, business_name, new_email, current_email, change, issues, apply_status from batch_row
        where ${where.join(' and ')} order by row_number limit $${params.length}`;
    return { sql, params, afterAt: params.length - 2 };
  };
  // The floor: the same page (keyset, 101 rows) read with the bare driver, statement prepared once.
  const prepared = new Map<string, (params: unknown[]) => unknown[]>();
  const viaDriver = async (p: PlannedPage) => {
    const start = performance.now();
    const { sql, params, afterAt } = pageSql(p.filter);
    params[afterAt] = p.after;
    let run = prepared.get(sql);
    if (!run) {
      if (bare.sqlite) {
        const { text, order } = sqliteSql(sql);
        const stmt = bare.sqlite.prepare<unknown[]>(text);
        run = (values) => stmt.all(order.map((i) => values[i]));
      } else {
        const client = bare.pg as NonNullable<BareDb['pg']>;
        const name = `bench_page_${prepared.size}`;
        run = (values) => [client.query({ name, text: sql, values })];
      }
      prepared.set(sql, run);
    }
    await Promise.all(run(params));
    return since(start);
  };
  const filterOf = (i: number) => FILTERS[i % FILTERS.length];
  // The first search: read over every row; it asks for the index, then the build is waited for.
  const searchStart = performance.now();
  const searchUnindexedMs = await viaApi(FILTERS.find((f) => f.search), []);
  let searchIndexMs: number | null = null;
  while (performance.now() - searchStart < 300_000) {
    const [b] = await bare.query<{ at: unknown }>('select search_indexed_at as at from upload_batch where id = $1', [batchId]);
    if (b?.at !== null && b?.at !== undefined) {
      searchIndexMs = since(searchStart);
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  indexed = searchIndexMs !== null;
  const searchIndexJobMs = indexed ? loggedMs(serverLogs, 'search index built') : null;
  // Warm-up (JIT, statement caches), not counted; its pages are not replayed.
  for (let i = 0; i < 5; i++) {
    await viaApi(undefined, []);
    await viaApi(filterOf(i), []);
  }
  const filteredPlan: PlannedPage[] = [];
  const filteredMs: number[] = [];
  for (let i = 0; i < pages; i++) filteredMs.push(await viaApi(filterOf(i), filteredPlan));
  const plainPlan: PlannedPage[] = [];
  const plainMs: number[] = [];
  for (let i = 0; i < pages; i++) plainMs.push(await viaApi(undefined, plainPlan));
  const samples = async (planned: PlannedPage[]) => {
    const out: number[] = [];
    for (const p of planned) out.push(await viaDriver(p));
    return out;
  };
  const byFilter: Record<string, LatencyResult> = {};
  FILTERS.forEach((f, k) => {
    byFilter[JSON.stringify(f)] = latency(filteredMs.filter((_, i) => i % FILTERS.length === k));
  });
  const plans: Record<string, string> = {};
  for (const f of [undefined, ...FILTERS]) {
    const { sql, params } = pageSql(f);
    const rows = await bare.query<Record<string, unknown>>(`${bare.sqlite ? 'explain query plan' : 'explain'} ${sql}`, params);
    plans[JSON.stringify(f ?? {})] = rows.map((r) => String(r.detail ?? r['QUERY PLAN'] ?? JSON.stringify(r))).join(' | ');
  }
  return {
    plain: latency(plainMs),
    filtered: latency(filteredMs),
    byFilter,
    floorPlain: latency(await samples(plainPlan)),
    floorFiltered: latency(await samples(filteredPlan)),
    plans,
    searchIndexMs,
    searchIndexJobMs,
    searchUnindexedMs,
  };
}
