import type { SqlDatabase, SqlValue } from '../../db/sql.js';
import { badInput } from '../../graphql/errors.js';
import { type Connection, decodeCursor, toConnection } from '../../graphql/relay.js';
import { searchIndexOf } from './search/search-index.js';
import { type BatchRowSort, batchRowFilterSql, CHANGE_RANK_SQL, countFromHistogram, MAX_ROW_SEARCH_CHARS } from './batch-row-filter.js';
import { ROW_CHANGES, type RowChange } from './batch-row.codes.js';
import { BATCH_ROW_COLUMNS, type BatchRowRecord, rowFromRecord } from './batch.mapper.js';
import { UploadBatchStatus } from './lifecycle/batch-status.js';
import type { BatchRowFilter, BatchRowType, UploadBatchType } from './batch.types.js';

/**
 * The filtered total from the batch's counters and row histogram when they
 * answer it exactly, so a 500,000-row batch is not counted on every page
 * (on SQLite a count blocks every other request). Null when the rows must be
 * counted: validation still running, a batch validated before the histogram
 * existed with a combined or multi-code filter, or an apply-status filter
 * combined with another that keeps only some of the rows to apply.
 */
export function countFromSummary(batch: UploadBatchType, filter: BatchRowFilter | null | undefined): number | null {
  if (filter?.search?.trim()) return null;
  if (batch.status === UploadBatchStatus.VALIDATING || batch.status === UploadBatchStatus.EXPIRED) return null;
  const s = batch.summary;
  const kinds = [filter?.changes?.length, filter?.issueCodes?.length, filter?.applyStatuses?.length].filter(Boolean).length;
  if (kinds === 0) return s.totalRows;
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const toApply = s.additions + s.replacements;
  // Rows a rollback went through left APPLIED for ROLLED_BACK or ROLLBACK_CONFLICT.
  const undone = s.rolledBack + s.rollbackConflicts;
  if (kinds === 1 && filter?.applyStatuses?.length) {
    const byStatus: Record<string, number> = {
      NOT_APPLICABLE: s.totalRows - toApply,
      PENDING: toApply - s.applied - s.conflicts - s.failed,
      APPLIED: s.applied - undone,
      CONFLICT: s.conflicts,
      FAILED: s.failed,
      ROLLED_BACK: s.rolledBack,
      ROLLBACK_CONFLICT: s.rollbackConflicts,
    };
    return sum([...new Set(filter.applyStatuses)].map((c) => byStatus[c] ?? 0));
  }
  // The histogram does not know which applied rows a rollback restored: count those.
  if (undone > 0 && filter?.applyStatuses?.length) return null;
  if (batch.rowHistogram) {
    return countFromHistogram(batch.rowHistogram, filter, { toApply, applied: s.applied, conflicts: s.conflicts, failed: s.failed });
  }
  // Batches validated before the histogram: the counters answer one kind of filter.
  if (kinds > 1) return null;
  if (filter?.changes?.length) {
    const byChange: Record<string, number> = {
      ADD: s.additions,
      REPLACE: s.replacements,
      UNCHANGED: s.unchanged,
      SKIPPED: s.skipped,
      INVALID: s.invalid,
    };
    return sum([...new Set(filter.changes)].map((c) => byChange[c] ?? 0));
  }
  const codes = [...new Set(filter?.issueCodes ?? [])];
  // Several codes may sit on one row: only a single code is answered by its counter.
  return codes.length === 1 && batch.issueCounts ? (batch.issueCounts[codes[0]] ?? 0) : null;
}

/** Refuses a search the database should not be asked (an over-long LIKE pattern). */
function checkSearch(filter: BatchRowFilter | null | undefined): void {
  const search = filter?.search?.trim();
  if (search && search.length > MAX_ROW_SEARCH_CHARS) {
    throw badInput(`The search is ${search.length} characters long; at most ${MAX_ROW_SEARCH_CHARS} are allowed.`, {
      argument: 'filter.search',
      maxLength: MAX_ROW_SEARCH_CHARS,
    });
  }
}

/** The most rows a page may skip: past any batch (MAX_UPLOAD_ROWS), so a typo cannot ask for a day's scan. */
const MAX_OFFSET = 10_000_000;

const rankOf = (change: string) => ROW_CHANGES.indexOf(change as RowChange);

/** How a sort orders rows, pages them from a cursor, and names a row in a cursor. */
interface SortPlan {
  orderBy: string;
  /** Condition "comes after the row of this cursor", its values pushed onto params. */
  after(cursor: string, params: SqlValue[]): string;
  key(row: BatchRowType): string | number;
}

function sortPlan(sort: BatchRowSort): SortPlan {
  const desc = sort.endsWith('_DESC');
  const dir = desc ? 'desc' : 'asc';
  const gt = desc ? '<' : '>';
  if (sort === 'ROW_NUMBER' || sort === 'ROW_NUMBER_DESC') {
    return {
      orderBy: `row_number ${dir}`,
      after(cursor, params) {
        // As before sorting existed: a number cursor's key, anything else from the start.
        const n = Number(decodeCursor(cursor));
        params.push(Number.isFinite(n) ? n : 0);
        return `row_number ${gt} $${params.length}`;
      },
      key: (r) => r.rowNumber,
    };
  }
  return {
    orderBy: `${CHANGE_RANK_SQL} ${dir}, row_number ${dir}`,
    after(cursor, params) {
      const m = /^([0-9])\|([0-9]{1,15})$/.exec(decodeCursor(cursor));
      if (!m) throw badInput('This cursor belongs to another sort: pass the sort it was issued with.', { argument: 'after' });
      params.push(Number(m[1]), Number(m[2]));
      const r = `$${params.length - 1}`;
      const n = `$${params.length}`;
      return `(${CHANGE_RANK_SQL} ${gt} ${r} or (${CHANGE_RANK_SQL} = ${r} and row_number ${gt} ${n}))`;
    },
    key: (r) => `${rankOf(r.change)}|${r.rowNumber}`,
  };
}

/** The filter with its change list narrowed to one change (null when the filter leaves that change out). */
function withChange(filter: BatchRowFilter | null | undefined, change: RowChange): BatchRowFilter | null {
  if (filter?.changes?.length && !filter.changes.includes(change)) return null;
  return { ...filter, changes: [change] };
}

/** Rows kept by the filter, plus extra conditions: from the stored counters when they tell, else counted. */
async function countRows(db: SqlDatabase, batch: UploadBatchType, filter: BatchRowFilter | null, extra: (params: SqlValue[]) => string[] = () => []) {
  const params: SqlValue[] = [batch.id];
  const where = ['batch_id = $1', ...batchRowFilterSql(filter, params, searchIndexOf(db, batch))];
  const more = extra(params);
  if (more.length === 0) {
    const known = countFromSummary(batch, filter);
    if (known !== null) return known;
  }
  // A search or an apply-status filter counts the batch's rows: up to 500,000 read, off the server's thread.
  const [{ n }] = await db.scans.query<{ n: number | string }>(`select count(*) as n from batch_row where ${[...where, ...more].join(' and ')}`, params);
  return Number(n);
}

/**
 * Whether the batch's rows are exactly lo…lo+total-1 (every data row stored, none purged): then
 * the unfiltered row-number order maps a position to a row number and back, without a walk.
 */
async function contiguousRows(db: SqlDatabase, batch: UploadBatchType): Promise<{ lo: number; total: number } | null> {
  const total = countFromSummary(batch, null);
  if (total === null || total === 0) return null;
  const [r] = await db.query<{ lo: number | null; hi: number | null }>(
    'select (select min(row_number) from batch_row where batch_id = $1) as lo, (select max(row_number) from batch_row where batch_id = $1) as hi',
    [batch.id],
  );
  if (r?.lo === null || r?.lo === undefined || r.hi === null) return null;
  return Number(r.hi) - Number(r.lo) + 1 === total ? { lo: Number(r.lo), total } : null;
}

const hasFilter = (f: BatchRowFilter | null | undefined) =>
  Boolean(f?.changes?.length || f?.issueCodes?.length || f?.applyStatuses?.length || f?.search?.trim());

/**
 * A page in CHANGE order, one change after the other: within a change the rows are walked in
 * row-number order, so no statement sorts the batch (a sort of 500,000 rows took seconds on
 * SQLite), and whole changes before the offset are skipped by their counts.
 */
async function pageByChange(
  db: SqlDatabase,
  batch: UploadBatchType,
  filter: BatchRowFilter | null | undefined,
  desc: boolean,
  after: { rank: number; row: number } | null,
  offset: number,
  limit: number,
): Promise<BatchRowRecord[]> {
  const order = desc ? [...ROW_CHANGES].reverse() : [...ROW_CHANGES];
  const gt = desc ? '<' : '>';
  const out: BatchRowRecord[] = [];
  let skip = offset;
  for (const change of order) {
    if (out.length >= limit) break;
    const f = withChange(filter, change);
    const rank = rankOf(change);
    if (!f || (after && (desc ? rank > after.rank : rank < after.rank))) continue;
    const from = after && rank === after.rank ? after.row : null;
    const extra = (params: SqlValue[]) => {
      if (from === null) return [];
      params.push(from);
      return [`row_number ${gt} $${params.length}`];
    };
    if (skip > 0) {
      const n = await countRows(db, batch, f, extra);
      if (skip >= n) {
        skip -= n;
        continue;
      }
    }
    const params: SqlValue[] = [batch.id];
    const where = ['batch_id = $1', ...batchRowFilterSql(f, params, searchIndexOf(db, batch)), ...extra(params)];
    params.push(limit - out.length, skip);
    const rows = await db.query<BatchRowRecord>(
      `select ${BATCH_ROW_COLUMNS} from batch_row where ${where.join(' and ')} order by row_number ${desc ? 'desc' : 'asc'} limit $${params.length - 1} offset $${params.length}`,
      params,
    );
    out.push(...rows);
    skip = 0;
  }
  return out;
}

/**
 * Rows of a batch, filtered and sorted, keyset-paginated from `after` and/or
 * starting `offset` rows in (the review's scrollbar maps a position to a page),
 * with the filtered total.
 */
export async function listBatchRows(
  db: SqlDatabase,
  batch: UploadBatchType,
  args: { first: number; after?: string | null; offset?: number | null; filter?: BatchRowFilter | null; sort?: BatchRowSort | null },
): Promise<Connection<BatchRowType>> {
  checkSearch(args.filter);
  const offset = args.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0 || offset > MAX_OFFSET) {
    throw badInput(`offset must be a whole number from 0 to ${MAX_OFFSET}.`, { argument: 'offset' });
  }
  const sort = args.sort ?? 'ROW_NUMBER';
  const desc = sort.endsWith('_DESC');
  const plan = sortPlan(sort);
  const params: SqlValue[] = [batch.id];
  const where = ['batch_id = $1', ...batchRowFilterSql(args.filter, params, searchIndexOf(db, batch))];
  const known = countFromSummary(batch, args.filter);
  let rows: BatchRowRecord[];
  if (sort === 'CHANGE' || sort === 'CHANGE_DESC') {
    let after: { rank: number; row: number } | null = null;
    if (args.after) {
      const keyParams: SqlValue[] = [];
      plan.after(args.after, keyParams);
      after = { rank: Number(keyParams[0]), row: Number(keyParams[1]) };
    }
    rows = await pageByChange(db, batch, args.filter, desc, after, offset, args.first + 1);
  } else {
    const span = !hasFilter(args.filter) && !args.after && offset > 0 ? await contiguousRows(db, batch) : null;
    if (span) {
      // Every row is there: the offset is a row number, one probe of the primary key.
      params.push(desc ? span.lo + span.total - 1 - offset : span.lo + offset);
      where.push(`row_number ${desc ? '<=' : '>='} $${params.length}`);
    } else if (args.after) {
      where.push(plan.after(args.after, params));
    }
    params.push(args.first + 1);
    const limit = `$${params.length}`;
    params.push(span ? 0 : offset);
    // No `count(*) over ()` to get a search's total in the same pass: on SQLite it made the planner
    // walk the account index and sort (4.1 s against 2.0 + 1.9 s for the page and a count, 500k rows).
    rows = await db.query<BatchRowRecord>(
      `select ${BATCH_ROW_COLUMNS} from batch_row where ${where.join(' and ')} order by ${plan.orderBy} limit ${limit} offset $${params.length}`,
      params,
    );
  }
  const n = known ?? (await countRows(db, batch, args.filter ?? null));
  return toConnection(rows.map(rowFromRecord), args.first, plan.key, n);
}

/**
 * How many rows of the filtered, sorted set come before row `rowNumber`: its
 * position, or where it would be when the filter leaves it out. Null when the
 * batch has no such row. The review scrolls there to jump to a row.
 */
export async function rowsBefore(
  db: SqlDatabase,
  batch: UploadBatchType,
  rowNumber: number,
  filter: BatchRowFilter | null | undefined,
  sort: BatchRowSort | null | undefined,
): Promise<number | null> {
  checkSearch(filter);
  const [target] = await db.query<{ change: string }>('select change from batch_row where batch_id = $1 and row_number = $2', [
    batch.id,
    rowNumber,
  ]);
  if (!target) return null;
  const s = sort ?? 'ROW_NUMBER';
  const desc = s.endsWith('_DESC');
  const lt = desc ? '>' : '<';
  const before = (params: SqlValue[]) => {
    params.push(rowNumber);
    return [`row_number ${lt} $${params.length}`];
  };
  if (s === 'ROW_NUMBER' || s === 'ROW_NUMBER_DESC') {
    const span = hasFilter(filter) ? null : await contiguousRows(db, batch);
    if (span) return desc ? span.lo + span.total - 1 - rowNumber : rowNumber - span.lo;
    return countRows(db, batch, filter ?? null, before);
  }
  // CHANGE order: every row of the changes before this one, then this change's rows before it.
  const order = desc ? [...ROW_CHANGES].reverse() : [...ROW_CHANGES];
  let n = 0;
  for (const change of order) {
    const f = withChange(filter, change);
    // A row the filter leaves out would sit after every kept row of the changes before its own.
    if (change === target.change) return f ? n + (await countRows(db, batch, f, before)) : n;
    if (f) n += await countRows(db, batch, f);
  }
  return n;
}

/** One row of a batch by its row number; null when there is none. */
export async function findBatchRow(db: SqlDatabase, batchId: string, rowNumber: number): Promise<BatchRowType | null> {
  const [row] = await db.query<BatchRowRecord>(`select ${BATCH_ROW_COLUMNS} from batch_row where batch_id = $1 and row_number = $2`, [
    batchId,
    rowNumber,
  ]);
  return row ? rowFromRecord(row) : null;
}

/** The email of a platform's account as it is now (after an apply: what the apply left, or what changed it since). */
export async function accountEmailNow(db: SqlDatabase, platformId: string, accountId: string | null): Promise<string | null> {
  if (!accountId) return null;
  const [a] = await db.query<{ email: string | null }>('select email from connected_account where platform_id = $1 and id = $2', [
    platformId,
    accountId,
  ]);
  return a?.email ?? null;
}

/** The first `limit` rows with an error or a warning, in rowNumber order. */
export async function problemRows(db: SqlDatabase, batchId: string, limit: number): Promise<BatchRowType[]> {
  const rows = await db.query<BatchRowRecord>(
    `select ${BATCH_ROW_COLUMNS} from batch_row where batch_id = $1 and issue_mask <> 0 order by row_number limit $2`,
    [batchId, limit],
  );
  return rows.map(rowFromRecord);
}
