import { type EmailRefusal, emailsEqual, normalizeEmail } from './email.js';
import { emailQualityIssues } from './email-warnings.js';
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
import type { RowChange } from '../batch-row.codes.js';

export type { RowChange };

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

/**
 * What can be known of a data row without its account: the typed cells, checked and normalised.
 * Computed by {@link prepareRow} (off the main thread during validation), finished by
 * {@link classifyPrepared} once the account is known.
 */
export interface PreparedRow {
  rowNumber: number;
  /** The Account ID cell, formula guard removed and trimmed; '' when blank. */
  typedId: string;
  /** `typedId` is an `acct_` token. */
  idValid: boolean;
  /**
   * The raw cell, trimmed only, is an `acct_` token: the key the account is looked up by. It differs
   * from `idValid` only for a guarded cell such as `'\tacct_1`, whose account is then not looked up.
   */
  lookupId: boolean;
  /** The email cell is blank: the row changes nothing. */
  emailBlank: boolean;
  /** The normalised address when `emailReason` is null, else the typed (trimmed) value; '' when blank. */
  email: string;
  /** Why the typed address is refused; null when valid or blank. */
  emailReason: EmailRefusal | null;
  /** Business, first and last name cells as compared: formula guard removed, trimmed, '' when absent. */
  businessName: string;
  firstName: string;
  lastName: string;
}

/** The row a file cell gives without an account: prepared once, classified against its account. */
export function prepareRow(rowNumber: number, raw: RawRow): PreparedRow {
  const typedId = cellValue(raw.accountId);
  const typedEmail = cellValue(raw.email);
  const idValid = ACCOUNT_ID.test(typedId);
  const lookupId = idValid && parseAccountId(raw.accountId) !== null;
  let email = typedEmail;
  let emailReason: EmailRefusal | null = null;
  if (typedEmail !== '') {
    const check = normalizeEmail(typedEmail);
    if (check.ok) email = check.email;
    else emailReason = check.refusal;
  }
  return {
    rowNumber,
    typedId,
    idValid,
    lookupId,
    emailBlank: typedEmail === '',
    email,
    emailReason,
    businessName: cellValue(raw.businessName),
    firstName: cellValue(raw.firstName),
    lastName: cellValue(raw.lastName),
  };
}

function nameMismatchesOf(row: PreparedRow, account: AccountSnapshot): NameMismatch[] | null {
  let out: NameMismatch[] | null = null;
  const check = (field: NameMismatch['field'], inFile: string, onFile: string | null) => {
    // The file usually holds the template's own values: equal strings need no Unicode folding.
    if (inFile === '' || inFile === onFile) return;
    if (onFile !== null && sameName(inFile, onFile)) return;
    out ??= [];
    out.push({ field, inFile, onFile });
  };
  check('Business Name', row.businessName, account.businessName);
  check('First Name', row.firstName, account.firstName);
  check('Last Name', row.lastName, account.lastName);
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
 * - Email quality warnings (typo, disposable, role) only on ADD and REPLACE: an unchanged address
 *   is what the account already has.
 * - Cells are read through `unneutralizeCell`, so a re-uploaded export compares equal.
 */
export function classifyRow(rowNumber: number, raw: RawRow, account: AccountSnapshot | undefined): ClassifiedRow {
  return classifyPrepared(prepareRow(rowNumber, raw), account);
}

/** {@link classifyRow} for a row already prepared; `account` is the one `typedId` names, if any. */
export function classifyPrepared(row: PreparedRow, account: AccountSnapshot | undefined): ClassifiedRow {
  const { rowNumber, typedId } = row;
  const accountId = typedId === '' ? null : typedId;
  const currentEmail = account && account.email !== null && trimCell(account.email) !== '' ? account.email : null;

  if (row.emailBlank) {
    if (typedId !== '' && !row.idValid) {
      return { rowNumber, accountId, currentEmail, newEmail: null, change: 'INVALID', issues: [invalidAccountIdIssue(typedId)] };
    }
    return { rowNumber, accountId, currentEmail, newEmail: null, change: 'SKIPPED', issues: [] };
  }

  const newEmail = row.email;
  const issues: RowIssue[] = [];
  if (!row.idValid) issues.push(invalidAccountIdIssue(typedId));
  else if (!account) issues.push(unknownAccountIssue(typedId));
  else if (!account.eligible) issues.push(accountNotEligibleIssue(typedId));
  if (row.emailReason !== null) issues.push(invalidEmailIssue(newEmail, row.emailReason));
  const errors = issues.length;

  if (row.idValid && account) {
    const mismatches = nameMismatchesOf(row, account);
    if (mismatches) issues.push(nameMismatchIssue(mismatches));
  }
  if (errors > 0 || !account) return { rowNumber, accountId, currentEmail, newEmail, change: 'INVALID', issues };

  let change: RowChange = 'REPLACE';
  if (currentEmail === null) change = 'ADD';
  else if (currentEmail === newEmail || emailsEqual(currentEmail, newEmail)) change = 'UNCHANGED';
  if (change === 'REPLACE' && currentEmail !== null && account.userClaimedEmail) {
    issues.push(claimedEmailReplacedIssue(currentEmail, newEmail));
  }
  if (change !== 'UNCHANGED') {
    const quality = emailQualityIssues(newEmail);
    if (quality.length > 0) issues.push(...quality);
  }
  return { rowNumber, accountId, currentEmail, newEmail, change, issues };
}
