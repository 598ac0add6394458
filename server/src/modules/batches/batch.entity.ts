import { Entity, Enum, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

export enum UploadBatchStatus {
  AWAITING_UPLOAD = 'AWAITING_UPLOAD',
  VALIDATING = 'VALIDATING',
  VALIDATED = 'VALIDATED',
  REJECTED = 'REJECTED',
  APPLYING = 'APPLYING',
  COMPLETED = 'COMPLETED',
  CANCELED = 'CANCELED',
  EXPIRED = 'EXPIRED',
  FAILED = 'FAILED',
}

/** Statuses after which nothing changes any more (subscriptions complete there). */
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set([
  UploadBatchStatus.REJECTED,
  UploadBatchStatus.COMPLETED,
  UploadBatchStatus.CANCELED,
  UploadBatchStatus.EXPIRED,
  UploadBatchStatus.FAILED,
]);

/**
 * One upload: its lifecycle and its counters. Counters are updated with SQL by
 * the validation and apply jobs; the ORM handles creation and single reads.
 */
@Entity({ tableName: 'upload_batch' })
export class UploadBatch {
  [OptionalProps]?:
    | 'createdAt'
    | 'updatedAt'
    | 'totalRows'
    | 'processedRows'
    | 'additions'
    | 'replacements'
    | 'unchanged'
    | 'skipped'
    | 'invalid'
    | 'warnings'
    | 'applied'
    | 'conflicts'
    | 'failed';

  @PrimaryKey({ type: 'string', length: 40 })
  id!: string;

  @Property({ type: 'string', fieldName: 'platform_id' })
  platformId!: string;

  @Enum({ items: () => UploadBatchStatus, type: 'string' })
  status!: UploadBatchStatus;

  @Property({ type: 'string', nullable: true })
  filename?: string | null;

  @Property({ type: 'string', nullable: true })
  idempotencyKey?: string | null;

  @Property({ type: 'string', nullable: true })
  createdBy?: string | null;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime' })
  updatedAt: Date = new Date();

  @Property({ type: 'datetime' })
  expiresAt!: Date;

  @Property({ type: 'integer', nullable: true })
  uploadBytes?: number | null;

  @Property({ type: 'integer', nullable: true })
  estimatedRows?: number | null;

  @Property({ type: 'string', nullable: true })
  fileErrorCode?: string | null;

  @Property({ type: 'string', nullable: true })
  fileErrorMessage?: string | null;

  @Property({ type: 'integer', nullable: true })
  fileErrorLine?: number | null;

  @Property({ type: 'string', nullable: true })
  fileErrorMissing?: string | null;

  @Property({ type: 'string', nullable: true })
  fileErrorFound?: string | null;

  @Property({ type: 'string', nullable: true })
  failureMessage?: string | null;

  @Property({ type: 'integer' })
  totalRows = 0;

  @Property({ type: 'integer' })
  processedRows = 0;

  @Property({ type: 'integer' })
  additions = 0;

  @Property({ type: 'integer' })
  replacements = 0;

  @Property({ type: 'integer' })
  unchanged = 0;

  @Property({ type: 'integer' })
  skipped = 0;

  @Property({ type: 'integer' })
  invalid = 0;

  @Property({ type: 'integer' })
  warnings = 0;

  @Property({ type: 'string', nullable: true })
  issueCounts?: string | null;

  /** JSON `[[change, issueMask, rows], …]`, written at the end of validation (see batch-row-filter.ts). */
  @Property({ type: 'text', nullable: true })
  rowHistogram?: string | null;

  @Property({ type: 'integer' })
  applied = 0;

  @Property({ type: 'integer' })
  conflicts = 0;

  @Property({ type: 'integer' })
  failed = 0;

  @Property({ type: 'datetime', nullable: true })
  validatedAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  confirmedAt?: Date | null;

  @Property({ type: 'string', nullable: true })
  confirmedBy?: string | null;

  @Property({ type: 'datetime', nullable: true })
  completedAt?: Date | null;
}
