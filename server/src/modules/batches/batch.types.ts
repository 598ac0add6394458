import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { connectionTypes } from '../../graphql/relay.js';
import { BATCH_ROW_SORTS, type BatchRowSort, type RowHistogram } from './batch-row-filter.js';
import {
  ISSUE_SEVERITIES,
  type IssueSeverity,
  ROW_APPLY_STATUSES,
  ROW_CHANGES,
  ROW_ISSUE_CODES,
  type RowApplyStatus,
  type RowChange,
  type RowIssueCode,
} from './batch-row.codes.js';
import { enumOf, UploadBatchStatus } from './lifecycle/batch-status.js';

/** The GraphQL enums of the row vocabularies, derived from their one declaration (batch-row.codes.ts). */
export const RowChangeEnum = enumOf(ROW_CHANGES);
export type RowChangeEnum = RowChange;
export const RowIssueCodeEnum = enumOf(ROW_ISSUE_CODES);
export type RowIssueCodeEnum = RowIssueCode;
export const IssueSeverityEnum = enumOf(ISSUE_SEVERITIES);
export type IssueSeverityEnum = IssueSeverity;
export const RowApplyStatusEnum = enumOf(ROW_APPLY_STATUSES);
export type RowApplyStatusEnum = RowApplyStatus;
export const BatchRowSortEnum = enumOf(BATCH_ROW_SORTS);
export type BatchRowSortEnum = BatchRowSort;
export enum FileErrorCodeEnum {
  EMPTY_FILE = 'EMPTY_FILE',
  MISSING_REQUIRED_HEADERS = 'MISSING_REQUIRED_HEADERS',
  TOO_MANY_ROWS = 'TOO_MANY_ROWS',
  FILE_TOO_LARGE = 'FILE_TOO_LARGE',
  MALFORMED_CSV = 'MALFORMED_CSV',
  UNSUPPORTED_ENCODING = 'UNSUPPORTED_ENCODING',
}

registerEnumType(UploadBatchStatus, { name: 'UploadBatchStatus' });
registerEnumType(RowChangeEnum, { name: 'RowChange' });
registerEnumType(RowIssueCodeEnum, { name: 'RowIssueCode' });
registerEnumType(IssueSeverityEnum, { name: 'IssueSeverity' });
registerEnumType(RowApplyStatusEnum, { name: 'RowApplyStatus' });
registerEnumType(BatchRowSortEnum, {
  name: 'BatchRowSort',
  description: 'Order of a batch’s rows: by row number, or by change (in RowChange order, then row number); _DESC reverses.',
});
registerEnumType(FileErrorCodeEnum, { name: 'FileErrorCode' });

@ObjectType('FileError', { description: 'Why a whole file was refused (status REJECTED).' })
export class FileErrorType {
  @Field(() => FileErrorCodeEnum)
  code!: FileErrorCodeEnum;

  @Field(() => String)
  message!: string;

  @Field(() => Int, { nullable: true, description: 'Spreadsheet row where the problem starts (header = 1).' })
  line!: number | null;

  @Field(() => [String], { nullable: true })
  missingHeaders!: string[] | null;

  @Field(() => [String], { nullable: true })
  foundHeaders!: string[] | null;
}

@ObjectType('UploadBatchSummary')
export class UploadBatchSummaryType {
  @Field(() => Int, { description: 'Data rows in the file; an estimate from line breaks while VALIDATING.' })
  totalRows!: number;

  @Field(() => Int, { description: 'Rows validated so far.' })
  processedRows!: number;

  @Field(() => Int)
  additions!: number;

  @Field(() => Int)
  replacements!: number;

  @Field(() => Int)
  unchanged!: number;

  @Field(() => Int)
  skipped!: number;

  @Field(() => Int)
  invalid!: number;

  @Field(() => Int, { description: 'Rows with at least one warning.' })
  warnings!: number;

  @Field(() => Int)
  applied!: number;

  @Field(() => Int)
  conflicts!: number;

  @Field(() => Int)
  failed!: number;

  @Field(() => Int, { description: 'Rows whose account the rollback restored.' })
  rolledBack!: number;

  @Field(() => Int, { description: 'Rows the rollback left alone: the account changed since this batch set it.' })
  rollbackConflicts!: number;
}

@ObjectType('RowIssueParam', { description: 'One value a row issue’s message is made of, by name.' })
export class RowIssueParamType {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  value!: string;
}

@ObjectType('RowIssue')
export class RowIssueType {
  @Field(() => RowIssueCodeEnum)
  code!: RowIssueCodeEnum;

  @Field(() => IssueSeverityEnum)
  severity!: IssueSeverityEnum;

  @Field(() => String)
  message!: string;

  @Field(() => String, {
    nullable: true,
    description: 'A whole corrected value to use instead (EMAIL_DOMAIN_TYPO: the address with the intended domain).',
  })
  suggestion?: string | null;

  @Field(() => [RowIssueParamType], {
    description:
      'The values of the message by name (e.g. email, domain, rows, more), so a client can word it in its own language from the code; empty for issues stored before they existed.',
  })
  params!: RowIssueParamType[];
}

@ObjectType('BatchRow')
export class BatchRowType {
  @Field(() => Int, { description: 'Spreadsheet line: header = 1, first account = 2.' })
  rowNumber!: number;

  @Field(() => String, { nullable: true })
  accountId!: string | null;

  @Field(() => String, { nullable: true, description: 'The account’s business name on file (else as in the file).' })
  businessName!: string | null;

  @Field(() => String, { nullable: true })
  newEmail!: string | null;

  @Field(() => String, { nullable: true })
  currentEmail!: string | null;

  @Field(() => RowChangeEnum)
  change!: RowChangeEnum;

  @Field(() => [RowIssueType])
  issues!: RowIssueType[];

  @Field(() => RowApplyStatusEnum)
  applyStatus!: RowApplyStatusEnum;

  @Field(() => String, { nullable: true, description: 'The email as the file had it, when editBatchRow changed it; else null.' })
  fileEmail!: string | null;
}

@InputType()
export class EditBatchRowInput {
  @Field(() => String, { nullable: true, description: 'The new email of the row; blank or null skips the row.' })
  email?: string | null;
}

@InputType()
export class TemplateFilter {
  @Field(() => Boolean, { nullable: true, description: 'Only accounts without an email on file.' })
  missingEmail?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Only accounts whose holder has not claimed their email.' })
  unclaimed?: boolean | null;
}

export const { ConnectionType: BatchRowConnection } = connectionTypes('BatchRow', () => BatchRowType);

@InputType()
export class BatchRowFilter {
  @Field(() => [RowChangeEnum], { nullable: true })
  changes?: RowChangeEnum[] | null;

  @Field(() => [RowIssueCodeEnum], { nullable: true, description: 'Rows having any of these codes.' })
  issueCodes?: RowIssueCodeEnum[] | null;

  @Field(() => [RowApplyStatusEnum], { nullable: true })
  applyStatuses?: RowApplyStatusEnum[] | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Rows whose account id is exactly this, or whose new email, current email, business name or account id contains it (case-insensitive); at most 200 characters.',
  })
  search?: string | null;
}

@ObjectType('BatchTransition', { description: 'One status change of a batch.' })
export class BatchTransitionType {
  @Field(() => UploadBatchStatus)
  status!: UploadBatchStatus;

  @Field(() => Date)
  at!: Date;

  @Field(() => String, { nullable: true, description: 'The user’s email or the API key’s prefix; null when the system moved it (expiry, failure).' })
  by!: string | null;

  @Field(() => String, { nullable: true })
  note!: string | null;
}

@ObjectType('UploadBatch')
export class UploadBatchType {
  @Field(() => ID)
  id!: string;

  @Field(() => UploadBatchStatus)
  status!: UploadBatchStatus;

  @Field(() => String, { nullable: true })
  filename!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;

  @Field(() => Date, { description: 'When an unconfirmed batch expires.' })
  expiresAt!: Date;

  @Field(() => Date, { nullable: true })
  confirmedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  completedAt!: Date | null;

  @Field(() => FileErrorType, { nullable: true })
  fileError!: FileErrorType | null;

  @Field(() => String, { nullable: true, description: 'Set when status is FAILED.' })
  failureMessage!: string | null;

  @Field(() => UploadBatchSummaryType)
  summary!: UploadBatchSummaryType;

  @Field(() => Int, { nullable: true, description: 'Bytes received by the upload.' })
  uploadBytes!: number | null;

  /** The requester's subject id (user or API key) once confirmed; not exposed (approval compares it). */
  confirmedBy!: string | null;

  /** The platform, kept for scoping the field resolvers; not exposed. */
  platformId!: string;

  /** Rows per issue code once validated (for counts without a scan); not exposed. */
  issueCounts!: Record<string, number> | null;

  /** Rows per (change, issue mask) once validated (review totals of any filter without a scan); not exposed. */
  rowHistogram!: RowHistogram | null;

  /** When the review's search index was published (search/search-index.ts); null while there is none. Not exposed. */
  searchIndexedAt!: Date | null;
}

export const { ConnectionType: UploadBatchConnection } = connectionTypes('UploadBatch', () => UploadBatchType);

@InputType({ description: 'Narrows uploadBatches (e.g. to the batches awaiting approval).' })
export class UploadBatchFilter {
  @Field(() => [UploadBatchStatus], { nullable: true, description: 'Batches in any of these statuses.' })
  statuses?: UploadBatchStatus[] | null;
}

@InputType()
export class CreateUploadBatchInput {
  @Field(() => String, { nullable: true })
  filename?: string | null;

  @Field(() => String, { nullable: true, description: 'Same key from the same platform: the same batch.' })
  idempotencyKey?: string | null;
}

@ObjectType('CreateUploadBatchPayload')
export class CreateUploadBatchPayload {
  @Field(() => UploadBatchType)
  batch!: UploadBatchType;

  @Field(() => String, { description: 'PUT the raw file bytes here, once, with the same credentials.' })
  uploadUrl!: string;
}

@ObjectType('DownloadLink')
export class DownloadLinkType {
  @Field(() => String)
  url!: string;

  @Field(() => Date)
  expiresAt!: Date;

  @Field(() => Int)
  rowCount!: number;
}
