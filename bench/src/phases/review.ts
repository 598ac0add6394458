import { batchRowFilterSql, type RowFilter } from '../../../server/src/modules/batches/batch-row-filter.js';
import { type BareDb, sqliteSql } from '../bare.js';
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


/** The filters a reviewer clicks: changes to apply, errors, warnings. */
const FILTERS: RowFilter[] = [{ changes: ['ADD', 'REPLACE'] }, { changes: ['INVALID'] }, { issueCodes: ['NAME_MISMATCH', 'CLAIMED_EMAIL_REPLACED'] }];

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
}

const PAGE = 100;

/** A random page: a random starting row among the rows the filter keeps (so every page is full but the last). */
function randomAfter(rowNumbers: number[], rnd: () => number): number {
  if (rowNumbers.length <= PAGE) return 0;
  const k = Math.floor(rnd() * (rowNumbers.length - PAGE + 1));
  return k === 0 ? 0 : rowNumbers[k - 1];
}

function latency(ms: number[]): LatencyResult {
  return { p50: percentile(ms, 50), p95: percentile(ms, 95), samples: ms.length };
}

/**
 * `pages` random pages of 100 rows without a filter and `pages` with one of
 * the reviewer's filters (in turn), sequentially, over GraphQL HTTP; then the
 * same SQL (count + keyset page, as batch-rows.service.ts) with the bare driver.
 */
export async function measureReview(api: Api, bare: BareDb, batchId: string, pages: number): Promise<ReviewResult> {
  let seed = 7;
  const rnd = () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
  const numbersOf = async (filter?: RowFilter) => {
    const params: unknown[] = [batchId];
    const where = ['batch_id = $1', ...batchRowFilterSql(filter, params)];
    return (await bare.query<{ row_number: number }>(`select row_number from batch_row where ${where.join(' and ')} order by row_number`, params)).map(
      (r) => Number(r.row_number),
    );
  };
  const all = await numbersOf();
  // One after the other: the bare pg client runs one query at a time (pg 9 will refuse overlapping ones).
  const filtered: number[][] = [];
  for (const f of FILTERS) filtered.push(await numbersOf(f));
  const plan = (n: number, filterOf: (i: number) => number | null) =>
    Array.from({ length: n }, (_, i) => {
      const f = filterOf(i);
      return { filter: f === null ? undefined : FILTERS[f], after: randomAfter(f === null ? all : filtered[f], rnd) };
    });
  const plainPlan = plan(pages, () => null);
  const filteredPlan = plan(pages, (i) => i % FILTERS.length);

  const viaApi = async (p: { filter?: RowFilter; after: number }) => {
    const start = performance.now();
    await api.gql(ROWS_QUERY, {
      id: batchId,
      first: PAGE,
      after: p.after ? Buffer.from(String(p.after), 'utf8').toString('base64url') : null,
      filter: p.filter ?? null,
    });
    return since(start);
  };
  const pageSql = (filter: RowFilter | undefined) => {
    const params: unknown[] = [batchId];
    const where = ['batch_id = $1', ...batchRowFilterSql(filter, params)];
    params.push(0);
    where.push(`row_number > $${params.length}`);
    params.push(PAGE + 1);
    const sql = `select row_number, account_id, business_name, new_email, current_email, change, issues, apply_status from batch_row
        where ${where.join(' and ')} order by row_number limit $${params.length}`;
    return { sql, params, afterAt: params.length - 2 };
  };
  // The floor: the same page (keyset, 101 rows) read with the bare driver, statement prepared once.
  const prepared = new Map<string, (params: unknown[]) => unknown[]>();
  const viaDriver = async (p: { filter?: RowFilter; after: number }) => {
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
  // Warm-up (JIT, statement caches), not counted.
  for (const p of [...plainPlan.slice(0, 5), ...filteredPlan.slice(0, 5)]) await viaApi(p);
  const samples = async (planned: typeof plainPlan, fn: (p: (typeof plainPlan)[number]) => Promise<number>) => {
    const out: number[] = [];
    for (const p of planned) out.push(await fn(p));
    return out;
  };
  const filteredMs = await samples(filteredPlan, viaApi);
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
    plain: latency(await samples(plainPlan, viaApi)),
    filtered: latency(filteredMs),
    byFilter,
    floorPlain: latency(await samples(plainPlan, viaDriver)),
    floorFiltered: latency(await samples(filteredPlan, viaDriver)),
    plans,
  };
}
