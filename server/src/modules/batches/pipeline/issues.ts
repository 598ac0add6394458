import type { EmailRefusal } from './email.js';
import { showValue } from './text.js';

import type { IssueSeverity, RowIssueCode } from '../batch-row.codes.js';

export type { RowIssueCode };

/** One problem on a row, with a message meant for a dashboard user. */
export interface RowIssue {
  code: RowIssueCode;
  severity: IssueSeverity;
  message: string;
  /** A whole corrected value to use instead (EMAIL_DOMAIN_TYPO: the address with the intended domain). */
  suggestion?: string;
  /**
   * The values the message is made of, by name, so a client can word it in its own language from
   * the code (issues stored before they existed have none; the message stands in).
   */
  params?: Record<string, string>;
}

/** A name column whose value in the file differs from the account on file. */
export interface NameMismatch {
  field: 'Business Name' | 'First Name' | 'Last Name';
  inFile: string;
  onFile: string | null;
}

const MAX_ROWS_LISTED = 10;

/** The key each name column goes by in NAME_MISMATCH params. */
const MISMATCH_KEYS: Record<NameMismatch['field'], string> = { 'Business Name': 'businessName', 'First Name': 'firstName', 'Last Name': 'lastName' };

type Params = Record<string, string>;
const error = (code: RowIssueCode, message: string, params: Params): RowIssue => ({ code, severity: 'ERROR', message, params });
const warning = (code: RowIssueCode, message: string, params: Params): RowIssue => ({ code, severity: 'WARNING', message, params });

/** A list of row numbers as params: the first few, and how many more the message leaves out. */
function rowParams(rows: number[], total: number): Params {
  const sorted = [...new Set(rows)].sort((a, b) => a - b);
  const count = Math.max(total, sorted.length);
  const shown = sorted.slice(0, MAX_ROWS_LISTED);
  return { rows: shown.join(','), more: String(count - shown.length) };
}

/** The Account ID cell is blank or not an `acct_` token. */
export function invalidAccountIdIssue(typed: string): RowIssue {
  if (typed === '') return error('INVALID_ACCOUNT_ID', 'The Account ID is blank, so this row cannot be matched to an account.', { value: '' });
  return error(
    'INVALID_ACCOUNT_ID',
    `${showValue(typed)} is not a valid Account ID. An Account ID is acct_ followed by 1 to 64 letters and digits, e.g. acct_1a2B3c.`,
    { value: showValue(typed) },
  );
}

/** No account of this platform has this ID; deliberately says nothing about other platforms. */
export function unknownAccountIssue(accountId: string): RowIssue {
  return error(
    'UNKNOWN_ACCOUNT',
    `No connected account with ID ${accountId} was found for your platform. Check the ID against the template.`,
    { accountId },
  );
}

/** The account is closed or rejected and cannot receive communications. */
export function accountNotEligibleIssue(accountId: string): RowIssue {
  return error(
    'ACCOUNT_NOT_ELIGIBLE',
    `Account ${accountId} is closed or was rejected, so its email cannot be changed.`,
    { accountId },
  );
}

/**
 * The email cell is not a valid address; why comes from `normalizeEmail`: its English text
 * (`reason`), and its code (`reasonCode`) and values (`char`, `max`) for other languages.
 */
export function invalidEmailIssue(typed: string, why: EmailRefusal): RowIssue {
  return error('INVALID_EMAIL', `${showValue(typed)} is not a valid email address. ${why.text}`, {
    value: showValue(typed),
    reason: why.text,
    reasonCode: why.code,
    ...why.params,
  });
}

function listRows(rows: number[], total: number): string {
  const sorted = [...new Set(rows)].sort((a, b) => a - b);
  const count = Math.max(total, sorted.length);
  const word = count === 1 ? 'row' : 'rows';
  if (count > MAX_ROWS_LISTED) {
    return `${word} ${sorted.slice(0, MAX_ROWS_LISTED).join(', ')} and ${count - MAX_ROWS_LISTED} more`;
  }
  if (sorted.length === 1) return `${word} ${sorted[0]}`;
  return `${word} ${sorted.slice(0, -1).join(', ')} and ${sorted[sorted.length - 1]}`;
}

/**
 * DUPLICATE_ACCOUNT for one of the rows that give an email to the same account. Deciding which rows
 * are duplicates needs the whole file, so the caller does it and passes the other rows' numbers
 * (for a large group, only the first few and their total, `totalOthers`).
 */
export function duplicateIssue(otherRowNumbers: number[], accountId?: string, totalOthers = otherRowNumbers.length): RowIssue {
  const subject = accountId ? `Account ${accountId}` : 'This account';
  return error(
    'DUPLICATE_ACCOUNT',
    `${subject} also appears with an email on ${listRows(otherRowNumbers, totalOthers)}. Keep one row per account.`,
    { accountId: accountId ?? '', ...rowParams(otherRowNumbers, totalOthers) },
  );
}

/** The name columns of the row do not match the account: often a row shifted by sorting one column. */
export function nameMismatchIssue(mismatches: NameMismatch[]): RowIssue {
  const parts = mismatches.map(
    (m) => `${m.field} is ${showValue(m.inFile)} in the file but ${m.onFile === null ? 'blank' : showValue(m.onFile)} on the account`,
  );
  // Per field (key as in MISMATCH_KEYS): `<key>InFile`, and `<key>OnAccount` unless blank there.
  const params: Params = { fields: mismatches.map((m) => m.field).join(', '), mismatches: mismatches.map((m) => MISMATCH_KEYS[m.field]).join(',') };
  for (const m of mismatches) {
    params[`${MISMATCH_KEYS[m.field]}InFile`] = showValue(m.inFile);
    if (m.onFile !== null) params[`${MISMATCH_KEYS[m.field]}OnAccount`] = showValue(m.onFile);
  }
  return warning('NAME_MISMATCH', `${parts.join('; ')}. Check that this row was not shifted, for example by sorting a single column.`, params);
}

/** A REPLACE on an account whose holder claimed their current email. */
export function claimedEmailReplacedIssue(currentEmail: string, newEmail: string): RowIssue {
  return warning(
    'CLAIMED_EMAIL_REPLACED',
    `The account holder has claimed their email address ${currentEmail}. Replacing it with ${newEmail} is allowed, but make sure they expect the change.`,
    { currentEmail, newEmail },
  );
}

/** The domain looks like a misspelling of a common mail domain; `suggested` is the whole corrected address. */
export function emailDomainTypoIssue(email: string, suggested: string): RowIssue {
  const domain = suggested.slice(suggested.lastIndexOf('@') + 1);
  return {
    code: 'EMAIL_DOMAIN_TYPO',
    severity: 'WARNING',
    message: `${email} looks like a misspelling of ${domain}. Did you mean ${suggested}?`,
    suggestion: suggested,
    params: { email, domain, suggestion: suggested },
  };
}

/** A throwaway-mailbox domain: mail sent there is soon read by nobody. */
export function disposableEmailIssue(email: string): RowIssue {
  const domain = email.slice(email.lastIndexOf('@') + 1);
  return warning(
    'DISPOSABLE_EMAIL',
    `${domain} is a disposable (throwaway) mailbox service: messages to ${email} will likely never reach the account holder.`,
    { email, domain },
  );
}

/** A role address (noreply@, info@…): it reaches a team or nobody, not the account holder. */
export function roleEmailIssue(email: string): RowIssue {
  const local = email.slice(0, email.lastIndexOf('@'));
  return warning(
    'ROLE_EMAIL',
    `${email} is a role address (${local}@) that reaches a team or nobody rather than the account holder. Prefer the holder's own address.`,
    { email, local },
  );
}

/** The same new email on several rows of the file; names the other rows (at most 10, then a count). */
export function sharedEmailIssue(email: string, otherRowNumbers: number[], totalOthers = otherRowNumbers.length): RowIssue {
  return warning(
    'SHARED_EMAIL',
    `${email} is also the new email on ${listRows(otherRowNumbers, totalOthers)}. One person may own several accounts; if not, check for a paste error.`,
    { email, ...rowParams(otherRowNumbers, totalOthers) },
  );
}

/** The domain has no MX and no A/AAAA record: mail to it cannot be delivered. */
export function emailDomainUnresolvableIssue(email: string): RowIssue {
  const domain = email.slice(email.lastIndexOf('@') + 1);
  return warning(
    'EMAIL_DOMAIN_UNRESOLVABLE',
    `The domain ${domain} has no mail server (no MX, A or AAAA record): mail to ${email} cannot be delivered.`,
    { email, domain },
  );
}
