import type { ChangeCounts } from './batch-row.codes.js';
import type { RowIssue } from './pipeline/issues.js';
import { parseRowHistogram } from './batch-row-filter.js';
import type { UploadBatch } from './batch.entity.js';
import { TERMINAL_STATUSES, UploadBatchStatus } from './batch.entity.js';
import type { BatchRowType, FileErrorCodeEnum, RowApplyStatusEnum, RowChangeEnum, UploadBatchType } from './batch.types.js';

/**
 * A raw `upload_batch` row (snake_case) or the entity: both map to the GraphQL type.
 * The counters by change are its columns under the same names.
 */
export interface BatchRecord extends ChangeCounts {
  id: string;
  platform_id: string;
  status: string;
  filename: string | null;
  created_at: Date | number;
  updated_at: Date | number;
  expires_at: Date | number;
  confirmed_at: Date | number | null;
  completed_at: Date | number | null;
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
  issue_counts: string | null;
  row_histogram: string | null;
}

const date = (v: Date | number | null): Date | null => (v === null || v === undefined ? null : new Date(v));

/** Columns of {@link BatchRecord}, for `select`. */
export const BATCH_COLUMNS =
  'id, platform_id, status, filename, created_at, updated_at, expires_at, confirmed_at, completed_at, upload_bytes, estimated_rows, file_error_code, file_error_message, file_error_line, file_error_missing, file_error_found, failure_message, total_rows, processed_rows, additions, replacements, unchanged, skipped, invalid, warnings, applied, conflicts, failed, issue_counts, row_histogram';

export function batchFromRecord(r: BatchRecord): UploadBatchType {
  const n = (v: number | string | null) => Number(v ?? 0);
  const validating = r.status === UploadBatchStatus.VALIDATING;
  return {
    id: r.id,
    platformId: r.platform_id,
    status: r.status as UploadBatchStatus,
    filename: r.filename,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
    expiresAt: new Date(r.expires_at),
    confirmedAt: date(r.confirmed_at),
    completedAt: date(r.completed_at),
    uploadBytes: r.upload_bytes === null ? null : n(r.upload_bytes),
    failureMessage: r.failure_message,
    issueCounts: r.issue_counts ? (JSON.parse(r.issue_counts) as Record<string, number>) : null,
    rowHistogram: parseRowHistogram(r.row_histogram),
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
    },
  };
}

export function batchFromEntity(b: UploadBatch): UploadBatchType {
  return batchFromRecord({
    id: b.id,
    platform_id: b.platformId,
    status: b.status,
    filename: b.filename ?? null,
    created_at: b.createdAt,
    updated_at: b.updatedAt,
    expires_at: b.expiresAt,
    confirmed_at: b.confirmedAt ?? null,
    completed_at: b.completedAt ?? null,
    upload_bytes: b.uploadBytes ?? null,
    estimated_rows: b.estimatedRows ?? null,
    file_error_code: b.fileErrorCode ?? null,
    file_error_message: b.fileErrorMessage ?? null,
    file_error_line: b.fileErrorLine ?? null,
    file_error_missing: b.fileErrorMissing ?? null,
    file_error_found: b.fileErrorFound ?? null,
    failure_message: b.failureMessage ?? null,
    total_rows: b.totalRows,
    processed_rows: b.processedRows,
    additions: b.additions,
    replacements: b.replacements,
    unchanged: b.unchanged,
    skipped: b.skipped,
    invalid: b.invalid,
    warnings: b.warnings,
    applied: b.applied,
    conflicts: b.conflicts,
    failed: b.failed,
    issue_counts: b.issueCounts ?? null,
    row_histogram: b.rowHistogram ?? null,
  });
}

export function isTerminal(status: string): boolean {
  return TERMINAL_STATUSES.has(status);
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
    issues: r.issues ? (JSON.parse(r.issues) as RowIssue[]).map((i) => ({ ...i }) as BatchRowType['issues'][number]) : [],
    applyStatus: r.apply_status as RowApplyStatusEnum,
    fileEmail: r.file_email ?? null,
  };
}
