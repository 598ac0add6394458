/**
 * The row vocabularies, each declared once: the TypeScript types, the GraphQL
 * enums (batch.types.ts), the SQL and the tests derive from these lists.
 */

/** What a row does to its account (SPEC.md, "Validation, row by row"). */
export const ROW_CHANGES = ['ADD', 'REPLACE', 'UNCHANGED', 'SKIPPED', 'INVALID'] as const;
export type RowChange = (typeof ROW_CHANGES)[number];

/** Whether the apply carries out a row of this change (ADD, REPLACE); every other row is NOT_APPLICABLE. */
export function isApplicable(change: RowChange): boolean {
  return change === 'ADD' || change === 'REPLACE';
}

/** All row issue codes, in the order of SPEC.md; the index is the bit in `batch_row.issue_mask`. */
export const ROW_ISSUE_CODES = [
  'INVALID_ACCOUNT_ID',
  'UNKNOWN_ACCOUNT',
  'ACCOUNT_NOT_ELIGIBLE',
  'INVALID_EMAIL',
  'DUPLICATE_ACCOUNT',
  'NAME_MISMATCH',
  'CLAIMED_EMAIL_REPLACED',
  // Email quality warnings (appended: the index is the stored bit).
  'EMAIL_DOMAIN_TYPO',
  'DISPOSABLE_EMAIL',
  'ROLE_EMAIL',
  'SHARED_EMAIL',
  'EMAIL_DOMAIN_UNRESOLVABLE',
] as const;
export type RowIssueCode = (typeof ROW_ISSUE_CODES)[number];

export const ISSUE_SEVERITIES = ['ERROR', 'WARNING'] as const;
export type IssueSeverity = (typeof ISSUE_SEVERITIES)[number];

export const EMAIL_QUALITY_CODES: readonly RowIssueCode[] = [
  'EMAIL_DOMAIN_TYPO',
  'DISPOSABLE_EMAIL',
  'ROLE_EMAIL',
  'SHARED_EMAIL',
  'EMAIL_DOMAIN_UNRESOLVABLE',
];

export const WARNING_CODES: readonly RowIssueCode[] = ['NAME_MISMATCH', 'CLAIMED_EMAIL_REPLACED', ...EMAIL_QUALITY_CODES];

export function issueBit(code: RowIssueCode): number {
  return 1 << (ROW_ISSUE_CODES as readonly RowIssueCode[]).indexOf(code);
}

export function maskOf(codes: Iterable<RowIssueCode>): number {
  let mask = 0;
  for (const c of codes) mask |= issueBit(c);
  return mask;
}

export const WARNING_MASK = maskOf(WARNING_CODES);

/** What happened to a row when the batch was applied (and rolled back). */
export const ROW_APPLY_STATUSES = [
  'NOT_APPLICABLE',
  'PENDING',
  'APPLIED',
  'CONFLICT',
  'FAILED',
  'ROLLED_BACK',
  'ROLLBACK_CONFLICT',
] as const;
export type RowApplyStatus = (typeof ROW_APPLY_STATUSES)[number];

/**
 * An apply status as an SQL literal (from the vocabulary, never user input): a literal rather than
 * a parameter, so PostgreSQL can use the partial index on PENDING rows.
 */
export function applyStatusSql(status: RowApplyStatus): string {
  return `'${status}'`;
}

/** The apply status a freshly validated row starts with. */
export function initialApplyStatus(change: RowChange): RowApplyStatus {
  return isApplicable(change) ? 'PENDING' : 'NOT_APPLICABLE';
}

/** A batch's rows by change, and the rows with a warning: what validation counts, per chunk and in total. */
export interface ChangeCounts {
  additions: number;
  replacements: number;
  unchanged: number;
  skipped: number;
  invalid: number;
  warnings: number;
}

export function emptyChangeCounts(): ChangeCounts {
  return { additions: 0, replacements: 0, unchanged: 0, skipped: 0, invalid: 0, warnings: 0 };
}
