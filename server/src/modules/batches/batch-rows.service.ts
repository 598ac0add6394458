import type { SqlDatabase, SqlValue } from '../../db/sql.js';
import { type Connection, decodeCursor, toConnection } from '../../graphql/relay.js';
import { batchRowFilterSql, countFromHistogram } from './batch-row-filter.js';
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

/** Rows of a batch in rowNumber order, keyset-paginated, with the filtered total. */
export async function listBatchRows(
  db: SqlDatabase,
  batch: UploadBatchType,
  args: { first: number; after?: string | null; filter?: BatchRowFilter | null },
): Promise<Connection<BatchRowType>> {
  const batchId = batch.id;
  const params: SqlValue[] = [batchId];
  const where = ['batch_id = $1', ...batchRowFilterSql(args.filter, params)];
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
