import { emailsEqual, normalizeEmail } from './email.js';
import { unneutralizeCell } from './formula.js';
import type { RawRow } from './headers.js';
import {
  type NameMismatch,
  type RowIssue,
  accountNotEligibleIssue,
  claimedEmailReplacedIssue,
  invalidAccountIdIssue,
  invalidEmailIssue,
  nameMismatchIssue,
  unknownAccountIssue,
} from './issues.js';
import { trimCell } from './text.js';

export { type EmailCheck, emailsEqual, normalizeEmail } from './email.js';
export { type RowIssue, type RowIssueCode, duplicateIssue } from './issues.js';

/** What validation needs to know about an account of the uploading platform. */
export interface AccountSnapshot {
  id: string;
  businessName: string | null;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  userClaimedEmail: boolean;
  /** False for closed or rejected accounts. */
  eligible: boolean;
}

/** The one outcome of a data row (see SPEC.md, "Validation, row by row"). */
export type RowChange = 'ADD' | 'REPLACE' | 'UNCHANGED' | 'SKIPPED' | 'INVALID';

/** A validated data row. */
export interface ClassifiedRow {
  rowNumber: number;
  /** As typed, trimmed, even if invalid; null when blank. */
  accountId: string | null;
  /** Normalized when valid, else trimmed as typed; null when blank. */
  newEmail: string | null;
  /** The account's email today; null when it has none or the account is unknown. */
  currentEmail: string | null;
  change: RowChange;
  /** Errors first, then warnings. */
  issues: RowIssue[];
}

const ACCOUNT_ID = /^acct_[A-Za-z0-9]{1,64}$/;

/** Returns the trimmed Account ID when it is an `acct_` token (1 to 64 letters and digits), else null. */
export function parseAccountId(raw: string): string | null {
  const id = trimCell(raw);
  return ACCOUNT_ID.test(id) ? id : null;
}

/** Cell value as compared and shown: exported formula guards removed, then trimmed. */
function cellValue(v: string | undefined): string {
  return v === undefined ? '' : trimCell(unneutralizeCell(v));
}

function sameName(a: string, b: string): boolean {
  return a.normalize('NFC').toLowerCase() === trimCell(b).normalize('NFC').toLowerCase();
}

function nameMismatches(raw: RawRow, account: AccountSnapshot): NameMismatch[] {
  const pairs: [NameMismatch['field'], string | undefined, string | null][] = [
    ['Business Name', raw.businessName, account.businessName],
    ['First Name', raw.firstName, account.firstName],
    ['Last Name', raw.lastName, account.lastName],
  ];
  const out: NameMismatch[] = [];
  for (const [field, cell, onFile] of pairs) {
    const inFile = cellValue(cell);
    if (inFile === '') continue;
    if (onFile === null || !sameName(inFile, onFile)) out.push({ field, inFile, onFile });
  }
  return out;
}

/**
 * Classifies one data row against the account it names (`undefined` when the platform has no such
 * account). Duplicates across rows are the caller's job (see `duplicateIssue`).
 *
 * Decisions beyond SPEC.md:
 * - A blank email means "no change", so such a row is SKIPPED without account checks: the template
 *   lists every eligible account and most rows stay blank; flagging them would bury the real problems.
 *   The one exception is a non-blank, malformed Account ID, which signals a damaged file: INVALID.
 * - NAME_MISMATCH is reported on every row with an email whose account was found, INVALID ones
 *   included (a shifted row explains a surprising error); never on SKIPPED rows, where nothing happens.
 * - CLAIMED_EMAIL_REPLACED only on REPLACE.
 * - Cells are read through `unneutralizeCell`, so a re-uploaded export compares equal.
 */
export function classifyRow(rowNumber: number, raw: RawRow, account: AccountSnapshot | undefined): ClassifiedRow {
  const typedId = cellValue(raw.accountId);
  const typedEmail = cellValue(raw.email);
  const currentEmail = account && account.email !== null && trimCell(account.email) !== '' ? account.email : null;
  const base = { rowNumber, accountId: typedId === '' ? null : typedId, currentEmail };
  const accountId = parseAccountId(typedId);

  if (typedEmail === '') {
    if (typedId !== '' && accountId === null) {
      return { ...base, newEmail: null, change: 'INVALID', issues: [invalidAccountIdIssue(typedId)] };
    }
    return { ...base, newEmail: null, change: 'SKIPPED', issues: [] };
  }

  const errors: RowIssue[] = [];
  const warnings: RowIssue[] = [];
  if (accountId === null) errors.push(invalidAccountIdIssue(typedId));
  else if (!account) errors.push(unknownAccountIssue(accountId));
  else if (!account.eligible) errors.push(accountNotEligibleIssue(accountId));
  const email = normalizeEmail(typedEmail);
  if (!email.ok) errors.push(invalidEmailIssue(typedEmail, email.reason));
  const newEmail = email.ok ? email.email : typedEmail;

  if (accountId !== null && account) {
    const mismatches = nameMismatches(raw, account);
    if (mismatches.length > 0) warnings.push(nameMismatchIssue(mismatches));
  }
  if (errors.length > 0 || !account) {
    return { ...base, newEmail, change: 'INVALID', issues: [...errors, ...warnings] };
  }

  let change: RowChange = 'REPLACE';
  if (currentEmail === null) change = 'ADD';
  else if (emailsEqual(currentEmail, newEmail)) change = 'UNCHANGED';
  if (change === 'REPLACE' && currentEmail !== null && account.userClaimedEmail) {
    warnings.push(claimedEmailReplacedIssue(currentEmail, newEmail));
  }
  return { ...base, newEmail, change, issues: warnings };
}
