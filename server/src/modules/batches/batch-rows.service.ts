import type { SqlDatabase, SqlValue } from '../../db/sql.js';
import { type Connection, decodeCursor, toConnection } from '../../graphql/relay.js';
import { maskOf } from './batch-row.codes.js';
import { BATCH_ROW_COLUMNS, type BatchRowRecord, rowFromRecord } from './batch.mapper.js';
import { UploadBatchStatus } from './batch.entity.js';
import type { BatchRowFilter, BatchRowType, UploadBatchType } from './batch.types.js';

/** SQL conditions for a row filter; each list means "any of". */
function filterSql(filter: BatchRowFilter | null | undefined, params: SqlValue[]): string[] {
  const where: string[] = [];
  const inList = (column: string, values: readonly string[]) => {
    const marks = values.map((v) => {
      params.push(v);
      return `$${params.length}`;
    });
    where.push(`${column} in (${marks.join(', ')})`);
  };
  if (filter?.changes?.length) inList('change', filter.changes);
  if (filter?.applyStatuses?.length) inList('apply_status', filter.applyStatuses);
  if (filter?.issueCodes?.length) {
    params.push(maskOf(filter.issueCodes));
    // "issue_mask <> 0" lets the planner walk the partial index of problem rows.
    where.push(`issue_mask <> 0 and (issue_mask & $${params.length}) <> 0`);
  }
  return where;
}

/**
 * The filtered total from the batch's counters when they answer it exactly
 * (one kind of filter), so a 500,000-row batch is not counted on every page;
 * null when a scan is needed (combined filters, validation still running).
 */
export function countFromSummary(batch: UploadBatchType, filter: BatchRowFilter | null | undefined): number | null {
  if (batch.status === UploadBatchStatus.VALIDATING || batch.status === UploadBatchStatus.EXPIRED) return null;
  const s = batch.summary;
  const kinds = [filter?.changes?.length, filter?.issueCodes?.length, filter?.applyStatuses?.length].filter(Boolean).length;
  if (kinds === 0) return s.totalRows;
  if (kinds > 1) return null;
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
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
  if (filter?.applyStatuses?.length) {
    const toApply = s.additions + s.replacements;
    const byStatus: Record<string, number> = {
      NOT_APPLICABLE: s.totalRows - toApply,
      PENDING: toApply - s.applied - s.conflicts - s.failed,
      APPLIED: s.applied,
      CONFLICT: s.conflicts,
      FAILED: s.failed,
    };
    return sum([...new Set(filter.applyStatuses)].map((c) => byStatus[c] ?? 0));
  }
  const codes = [...new Set(filter?.issueCodes ?? [])];
  // Several codes may sit on one row: only a single code is answered by its counter.
  return codes.length === 1 && batch.issueCounts ? (batch.issueCounts[codes[0]] ?? 0) : null;
}

/** Rows of a batch in rowNumber order, keyset-paginated, with the filtered total. */
export async function listBatchRows(
  db: SqlDatabase,
  batch: UploadBatchType,
  args: { first: number; after?: string | null; filter?: BatchRowFilter | null },
): Promise<Connection<BatchRowType>> {
  const batchId = batch.id;
  const params: SqlValue[] = [batchId];
  const where = ['batch_id = $1', ...filterSql(args.filter, params)];
  const n =
    countFromSummary(batch, args.filter) ??
    (await db.query<{ n: number | string }>(`select count(*) as n from batch_row where ${where.join(' and ')}`, params))[0].n;
  const after = args.after ? Number(decodeCursor(args.after)) : 0;
  params.push(Number.isFinite(after) ? after : 0);
  where.push(`row_number > $${params.length}`);
  params.push(args.first + 1);
  const rows = await db.query<BatchRowRecord>(
    `select ${BATCH_ROW_COLUMNS} from batch_row where ${where.join(' and ')} order by row_number limit $${params.length}`,
    params,
  );
  return toConnection(rows.map(rowFromRecord), args.first, (r) => r.rowNumber, Number(n));
}

/** The first `limit` rows with an error or a warning, in rowNumber order. */
export async function problemRows(db: SqlDatabase, batchId: string, limit: number): Promise<BatchRowType[]> {
  const rows = await db.query<BatchRowRecord>(
    `select ${BATCH_ROW_COLUMNS} from batch_row where batch_id = $1 and issue_mask <> 0 order by row_number limit $2`,
    [batchId, limit],
  );
  return rows.map(rowFromRecord);
}
