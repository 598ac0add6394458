import type { RowIssueCode } from './pipeline/issues.js';

/** All row issue codes, in the order of SPEC.md; the index is the bit in `batch_row.issue_mask`. */
export const ROW_ISSUE_CODES: readonly RowIssueCode[] = [
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
];

export const EMAIL_QUALITY_CODES: readonly RowIssueCode[] = [
  'EMAIL_DOMAIN_TYPO',
  'DISPOSABLE_EMAIL',
  'ROLE_EMAIL',
  'SHARED_EMAIL',
  'EMAIL_DOMAIN_UNRESOLVABLE',
];

export const WARNING_CODES: readonly RowIssueCode[] = ['NAME_MISMATCH', 'CLAIMED_EMAIL_REPLACED', ...EMAIL_QUALITY_CODES];

export function issueBit(code: RowIssueCode): number {
  return 1 << ROW_ISSUE_CODES.indexOf(code);
}

export function maskOf(codes: Iterable<RowIssueCode>): number {
  let mask = 0;
  for (const c of codes) mask |= issueBit(c);
  return mask;
}

export const WARNING_MASK = maskOf(WARNING_CODES);

export type RowApplyStatus = 'NOT_APPLICABLE' | 'PENDING' | 'APPLIED' | 'CONFLICT' | 'FAILED';

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
