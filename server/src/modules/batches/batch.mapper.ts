import type { ChangeCounts } from './batch-row.codes.js';
import type { RowIssue } from './pipeline/issues.js';
import { parseRowHistogram } from './batch-row-filter.js';
import { type BatchStatus, UploadBatchStatus } from './lifecycle/batch-status.js';
import type { BatchRowType, FileErrorCodeEnum, RowApplyStatusEnum, RowChangeEnum, UploadBatchType } from './batch.types.js';

/**
 * A raw `upload_batch` row (snake_case), as the store returns it.
 * The counters by change are its columns under the same names.
 */
export interface BatchRecord extends ChangeCounts {
  id: string;
  platform_id: string;
  status: BatchStatus;
  filename: string | null;
  created_at: Date;
  updated_at: Date;
  expires_at: Date;
  confirmed_at: Date | null;
  completed_at: Date | null;
  upload_bytes: number | null;
  estimated_rows: number | null;
  file_error_code: string | null;
  file_error_message: string | null;
  file_error_line: number | null;
  file_error_missing: string | null;
  file_error_found: string | null;
  failure_message: string | null;
  total_rows: number;
  processed_rows: number;
  applied: number;
  conflicts: number;
  failed: number;
  rolled_back: number;
  rollback_conflicts: number;
  confirmed_by: string | null;
  issue_counts: string | null;
  row_histogram: string | null;
  search_indexed_at: Date | null;
}


/** Columns of {@link BatchRecord}, for `select`. */
export const BATCH_COLUMNS =
  'id, platform_id, status, filename, created_at, updated_at, expires_at, confirmed_at, completed_at, upload_bytes, estimated_rows, file_error_code, file_error_message, file_error_line, file_error_missing, file_error_found, failure_message, total_rows, processed_rows, additions, replacements, unchanged, skipped, invalid, warnings, applied, conflicts, failed, rolled_back, rollback_conflicts, confirmed_by, issue_counts, row_histogram, search_indexed_at';

export function batchFromRecord(r: BatchRecord): UploadBatchType {
  const n = (v: number | null) => v ?? 0;
  const validating = r.status === UploadBatchStatus.VALIDATING;
  return {
    id: r.id,
    platformId: r.platform_id,
    status: r.status,
    filename: r.filename,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    expiresAt: r.expires_at,
    confirmedAt: r.confirmed_at,
    completedAt: r.completed_at,
    uploadBytes: r.upload_bytes === null ? null : n(r.upload_bytes),
    failureMessage: r.failure_message,
    confirmedBy: r.confirmed_by,
    issueCounts: r.issue_counts ? (JSON.parse(r.issue_counts) as Record<string, number>) : null,
    rowHistogram: parseRowHistogram(r.row_histogram),
    searchIndexedAt: r.search_indexed_at,
    fileError: r.file_error_code
      ? {
          code: r.file_error_code as FileErrorCodeEnum,
          message: r.file_error_message ?? '',
          line: r.file_error_line,
          missingHeaders: r.file_error_missing ? (JSON.parse(r.file_error_missing) as string[]) : null,
          foundHeaders: r.file_error_found ? (JSON.parse(r.file_error_found) as string[]) : null,
        }
      : null,
    summary: {
      // While validating, the line count of the file stands in for the row count.
      totalRows: validating ? Math.max(n(r.estimated_rows), n(r.processed_rows)) : n(r.total_rows),
      processedRows: n(r.processed_rows),
      additions: n(r.additions),
      replacements: n(r.replacements),
      unchanged: n(r.unchanged),
      skipped: n(r.skipped),
      invalid: n(r.invalid),
      warnings: n(r.warnings),
      applied: n(r.applied),
      conflicts: n(r.conflicts),
      failed: n(r.failed),
      rolledBack: n(r.rolled_back),
      rollbackConflicts: n(r.rollback_conflicts),
    },
  };
}

/** A raw `batch_row` row. */
export interface BatchRowRecord {
  row_number: number;
  account_id: string | null;
  business_name: string | null;
  new_email: string | null;
  current_email: string | null;
  change: string;
  issues: string | null;
  apply_status: string;
  /** Absent from rows built in memory before they are stored (never edited yet). */
  file_email?: string | null;
}

export const BATCH_ROW_COLUMNS = 'row_number, account_id, business_name, new_email, current_email, change, issues, apply_status, file_email';

export function rowFromRecord(r: BatchRowRecord): BatchRowType {
  return {
    rowNumber: Number(r.row_number),
    accountId: r.account_id,
    businessName: r.business_name,
    newEmail: r.new_email,
    currentEmail: r.current_email,
    change: r.change as RowChangeEnum,
    issues: r.issues
      ? (JSON.parse(r.issues) as RowIssue[]).map(({ params, ...i }) => ({
          ...i,
          params: Object.entries(params ?? {}).map(([name, value]) => ({ name, value })),
        }))
      : [],
    applyStatus: r.apply_status as RowApplyStatusEnum,
    fileEmail: r.file_email ?? null,
  };
}
