import type { SqlDatabase, SqlValue } from '../../db/sql.js';
import { badInput } from '../../graphql/errors.js';
import { type Connection, decodeCursor, toConnection } from '../../graphql/relay.js';
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
  const plan = sortPlan(args.sort ?? 'ROW_NUMBER');
  const params: SqlValue[] = [batch.id];
  const where = ['batch_id = $1', ...batchRowFilterSql(args.filter, params)];
  const n =
    countFromSummary(batch, args.filter) ??
    (await db.query<{ n: number | string }>(`select count(*) as n from batch_row where ${where.join(' and ')}`, params))[0].n;
  if (args.after) where.push(plan.after(args.after, params));
  params.push(args.first + 1);
  const limit = `$${params.length}`;
  params.push(offset);
  const rows = await db.query<BatchRowRecord>(
    `select ${BATCH_ROW_COLUMNS} from batch_row where ${where.join(' and ')} order by ${plan.orderBy} limit ${limit} offset $${params.length}`,
    params,
  );
  return toConnection(rows.map(rowFromRecord), args.first, plan.key, Number(n));
}

/**
 * How many rows of the filtered, sorted set come before row `rowNumber`: its
 * position, or where it would be when the filter leaves it out. Null when the
 * batch has no such row. The review scrolls there to jump to a row.
 */
export async function rowsBefore(
  db: SqlDatabase,
  batchId: string,
  rowNumber: number,
  filter: BatchRowFilter | null | undefined,
  sort: BatchRowSort | null | undefined,
): Promise<number | null> {
  checkSearch(filter);
  const [target] = await db.query<{ change: string }>('select change from batch_row where batch_id = $1 and row_number = $2', [
    batchId,
    rowNumber,
  ]);
  if (!target) return null;
  const s = sort ?? 'ROW_NUMBER';
  const lt = s.endsWith('_DESC') ? '>' : '<';
  const params: SqlValue[] = [batchId];
  const where = ['batch_id = $1', ...batchRowFilterSql(filter, params)];
  params.push(rowNumber);
  const n = `$${params.length}`;
  if (s === 'ROW_NUMBER' || s === 'ROW_NUMBER_DESC') {
    where.push(`row_number ${lt} ${n}`);
  } else {
    params.push(rankOf(target.change));
    const r = `$${params.length}`;
    where.push(`(${CHANGE_RANK_SQL} ${lt} ${r} or (${CHANGE_RANK_SQL} = ${r} and row_number ${lt} ${n}))`);
  }
  const [{ c }] = await db.query<{ c: number | string }>(`select count(*) as c from batch_row where ${where.join(' and ')}`, params);
  return Number(c);
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
