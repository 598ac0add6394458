import { isApplicable, maskOf, ROW_CHANGES, type RowChange } from './batch-row.codes.js';
import type { RowIssueCode } from './pipeline/issues.js';
import type { SearchIndexRef } from './search/search-index.js';

/**
 * The review's row filter as plain data (the GraphQL input and the bench both
 * fit it); each list means "any of", lists combine with "and".
 */
export interface RowFilter {
  changes?: readonly string[] | null;
  issueCodes?: readonly RowIssueCode[] | null;
  applyStatuses?: readonly string[] | null;
  /** Exact account id, or a piece of the new email, current email, business name or account id. */
  search?: string | null;
}

/** Orders of the review's rows: by row number, or by change (in ROW_CHANGES order) then row number. */
export const BATCH_ROW_SORTS = ['ROW_NUMBER', 'ROW_NUMBER_DESC', 'CHANGE', 'CHANGE_DESC'] as const;
export type BatchRowSort = (typeof BATCH_ROW_SORTS)[number];

/** A change's place in the CHANGE order, as SQL: its index in ROW_CHANGES (a literal, no parameter). */
export const CHANGE_RANK_SQL = `(case change ${ROW_CHANGES.map((c, i) => `when '${c}' then ${i}`).join(' ')} end)`;

/** Longest search; no id, name or email is near it, and SQLite refuses LIKE patterns past its own limit. */
export const MAX_ROW_SEARCH_CHARS = 200;

/** An account id as the template writes it: then the search is one probe of the (batch_id, account_id) index. */
const ACCOUNT_ID = /^acct_[A-Za-z0-9]{1,64}$/;

/** LIKE pattern matching `text` literally (the same escape on both dialects). */
function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Where the filter's values go: the statement's parameters so far (`$n` is the n-th). */
interface ParamList {
  readonly length: number;
  push(value: string | number): number;
}

/** Whether the filter searches for a piece of a value (not an exact account id): what a search index speeds up. */
export function searchesSubstring(filter: RowFilter | null | undefined): boolean {
  const search = filter?.search?.trim();
  return Boolean(search) && !ACCOUNT_ID.test(search ?? '');
}

/**
 * SQL conditions on `batch_row` for a filter; pushes its values onto `params` (`$n` placeholders).
 * With the batch's search index, a substring search first narrows to the rows the index names.
 */
export function batchRowFilterSql(filter: RowFilter | null | undefined, params: ParamList, index?: SearchIndexRef | null): string[] {
  const where: string[] = [];
  const inList = (column: string, values: readonly string[]) => {
    const marks = values.map((v) => {
      params.push(v);
      return `$${params.length}`;
    });
    where.push(`${column} in (${marks.join(', ')})`);
  };
  if (filter?.changes?.length) {
    inList('change', filter.changes);
    // Every INVALID row has an error, so the problem rows' partial index holds them all:
    // without this, an INVALID-only filter walks the batch's primary key.
    if (filter.changes.every((c) => c === 'INVALID') && !filter.issueCodes?.length) where.push('issue_mask <> 0');
  }
  if (filter?.applyStatuses?.length) inList('apply_status', filter.applyStatuses);
  if (filter?.issueCodes?.length) {
    params.push(maskOf(filter.issueCodes));
    // "issue_mask <> 0" lets the planner walk the partial index of problem rows.
    where.push(`issue_mask <> 0 and (issue_mask & $${params.length}) <> 0`);
  }
  const search = filter?.search?.trim();
  if (search) {
    if (ACCOUNT_ID.test(search)) {
      params.push(search);
      where.push(`account_id = $${params.length}`);
    } else {
      // A piece of an address or a name: the rows the index names, if the batch has one
      // (search/search-index.ts), each re-checked below; else every row of the batch.
      const match = index?.trigram.match(index.table, search.toLowerCase(), `$${params.length + 1}`);
      if (match) {
        params.push(match.value);
        where.push(`row_number in (${match.sql})`);
      }
      params.push(likeContains(search.toLowerCase()));
      const p = `$${params.length}`;
      const cols = ['new_email', 'current_email', 'business_name', 'account_id'];
      where.push(`(${cols.map((c) => `lower(${c}) like ${p} escape '\\'`).join(' or ')})`);
    }
  }
  return where;
}

/**
 * A batch's rows counted per (change, issue_mask), taken once validation has
 * settled: neither column changes afterwards (apply only moves apply_status),
 * so any filter on changes and issue codes is summed from a few dozen buckets
 * instead of counting the batch's rows on every review page.
 */
export type RowHistogram = ReadonlyArray<readonly [change: string, issueMask: number, rows: number]>;

/** Validates a stored histogram (JSON text); null when absent or not in the expected shape. */
export function parseRowHistogram(json: string | null | undefined): RowHistogram | null {
  if (!json) return null;
  const value: unknown = JSON.parse(json);
  if (!Array.isArray(value)) return null;
  const ok = value.every(
    (b) => Array.isArray(b) && b.length === 3 && typeof b[0] === 'string' && Number.isInteger(b[1]) && Number.isInteger(b[2]),
  );
  return ok ? (value as RowHistogram) : null;
}

/** What the batch counters say about rows that are applied. */
export interface ApplyCounters {
  /** ADD + REPLACE rows. */
  toApply: number;
  applied: number;
  conflicts: number;
  failed: number;
}

/**
 * Rows of the histogram kept by `filter`, exactly; null when it cannot be
 * told without looking at the rows: an apply-status filter that keeps some but
 * not all of the ADD/REPLACE rows (the histogram does not know which
 * ADD/REPLACE row got which apply status).
 */
export function countFromHistogram(histogram: RowHistogram, filter: RowFilter | null | undefined, counters: ApplyCounters): number | null {
  const changes = filter?.changes?.length ? new Set(filter.changes) : null;
  const mask = filter?.issueCodes?.length ? maskOf(filter.issueCodes) : 0;
  // Every ADD/REPLACE row has one of the four apply statuses, every other row NOT_APPLICABLE.
  let keepApplicable = true;
  let keepOthers = true;
  if (filter?.applyStatuses?.length) {
    const statuses = new Set(filter.applyStatuses);
    const pending = counters.toApply - counters.applied - counters.conflicts - counters.failed;
    const kept =
      (statuses.has('PENDING') ? pending : 0) +
      (statuses.has('APPLIED') ? counters.applied : 0) +
      (statuses.has('CONFLICT') ? counters.conflicts : 0) +
      (statuses.has('FAILED') ? counters.failed : 0);
    if (kept !== 0 && kept !== counters.toApply) return null;
    keepApplicable = kept !== 0;
    keepOthers = statuses.has('NOT_APPLICABLE');
  }
  let n = 0;
  for (const [change, issueMask, rows] of histogram) {
    if (changes && !changes.has(change)) continue;
    if (mask && (issueMask & mask) === 0) continue;
    if (!(isApplicable(change as RowChange) ? keepApplicable : keepOthers)) continue;
    n += rows;
  }
  return n;
}
