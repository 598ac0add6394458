import type { BatchRow, RowIssueCode } from '../graphql/documents';
import { en, type MessageKey } from '../i18n/en';
import type { I18n } from '../i18n/i18n';

export type RowIssue = BatchRow['issues'][number];
type Params = Record<string, string>;
type Wording = (p: Params, i18n: I18n) => string | null;

/** "on rows 5, 9 and 12 more", in the reader's language, from the issue's `rows` and `more` params. */
function rowList(p: Params, i18n: I18n): string | null {
  if (p.rows === undefined) return null;
  const numbers = p.rows === '' ? [] : p.rows.split(',').map(Number);
  const more = Number(p.more ?? 0);
  const shown = numbers.map((n) => i18n.number(n));
  const list =
    more > 0
      ? i18n.t('issueMsg.rowsMore', { list: shown.join(', '), count: more })
      : new Intl.ListFormat(i18n.lang, { type: 'conjunction' }).format(shown);
  return i18n.tn('issueMsg.rows', numbers.length + more, { list });
}

const EMAIL_REASON_KEYS = new Set<string>(Object.keys(en).filter((k) => k.startsWith('emailReason.')));

/**
 * Why an address was refused, from its `reasonCode` (server: pipeline/email.ts, EMAIL_REASONS) and
 * its values; an issue stored before reasons had codes keeps the server's English text, which a
 * French reader is not shown.
 */
function emailReason(p: Params, i18n: I18n): string {
  const key = `emailReason.${p.reasonCode}`;
  if (p.reasonCode !== undefined && EMAIL_REASON_KEYS.has(key)) return i18n.t(key as MessageKey, p);
  return i18n.lang === 'en' ? p.reason : '';
}

const NAME_FIELDS = ['businessName', 'firstName', 'lastName'] as const;

/** "Business Name is "Acme" in the file but "Globex" on the account; …", or null for an issue stored without the values. */
function nameMismatch(p: Params, i18n: I18n): string | null {
  if (p.mismatches === undefined) return null;
  const parts = p.mismatches.split(',').map((key) => {
    const field = NAME_FIELDS.find((f) => f === key);
    if (!field) return null;
    const onAccount = p[`${field}OnAccount`];
    return i18n.t('issueMsg.NAME_MISMATCH.part', {
      field: i18n.t(`issueMsg.field.${field}`),
      inFile: p[`${field}InFile`] ?? '',
      onAccount: onAccount ?? i18n.t('issueMsg.NAME_MISMATCH.blank'),
    });
  });
  if (parts.some((part) => part === null)) return null;
  return i18n.t('issueMsg.NAME_MISMATCH.values', { parts: parts.join(i18n.t('issueMsg.NAME_MISMATCH.separator')) });
}

/** Each message needs these params; an issue stored without them keeps the server's (English) message. */
const need =
  (names: readonly string[], word: Wording): Wording =>
  (p, i18n) =>
    names.every((n) => p[n] !== undefined) ? word(p, i18n) : null;

/**
 * Every issue code's wording, from the code and its params. Typed over the schema's enum:
 * a code the server adds fails the client's typecheck until it is worded here (and in fr.ts).
 */
export const ISSUE_WORDING: Record<RowIssueCode, Wording> = {
  INVALID_ACCOUNT_ID: need(['value'], (p, { t }) => (p.value === '' ? t('issueMsg.INVALID_ACCOUNT_ID.blank') : t('issueMsg.INVALID_ACCOUNT_ID', p))),
  UNKNOWN_ACCOUNT: need(['accountId'], (p, { t }) => t('issueMsg.UNKNOWN_ACCOUNT', p)),
  ACCOUNT_NOT_ELIGIBLE: need(['accountId'], (p, { t }) => t('issueMsg.ACCOUNT_NOT_ELIGIBLE', p)),
  INVALID_EMAIL: need(['value', 'reason'], (p, i18n) => i18n.t('issueMsg.INVALID_EMAIL', { ...p, reason: emailReason(p, i18n) }).trim()),
  DUPLICATE_ACCOUNT: need(['accountId', 'rows'], (p, i18n) => {
    const rows = rowList(p, i18n) ?? '';
    return p.accountId ? i18n.t('issueMsg.DUPLICATE_ACCOUNT', { ...p, rows }) : i18n.t('issueMsg.DUPLICATE_ACCOUNT.noId', { rows });
  }),
  NAME_MISMATCH: need(['fields'], (p, i18n) => nameMismatch(p, i18n) ?? i18n.t('issueMsg.NAME_MISMATCH', p)),
  CLAIMED_EMAIL_REPLACED: need(['currentEmail', 'newEmail'], (p, { t }) => t('issueMsg.CLAIMED_EMAIL_REPLACED', p)),
  EMAIL_DOMAIN_TYPO: need(['email', 'domain', 'suggestion'], (p, { t }) => t('issueMsg.EMAIL_DOMAIN_TYPO', p)),
  DISPOSABLE_EMAIL: need(['email', 'domain'], (p, { t }) => t('issueMsg.DISPOSABLE_EMAIL', p)),
  ROLE_EMAIL: need(['email', 'local'], (p, { t }) => t('issueMsg.ROLE_EMAIL', p)),
  SHARED_EMAIL: need(['email', 'rows'], (p, i18n) => i18n.t('issueMsg.SHARED_EMAIL', { ...p, rows: rowList(p, i18n) ?? '' })),
  EMAIL_DOMAIN_UNRESOLVABLE: need(['email', 'domain'], (p, { t }) => t('issueMsg.EMAIL_DOMAIN_UNRESOLVABLE', p)),
};

/** The issue in words, in the reader's language; the server's message only for issues stored without params. */
export function issueMessage(issue: RowIssue, i18n: I18n): string {
  const params: Params = Object.fromEntries(issue.params.map((p) => [p.name, p.value]));
  return ISSUE_WORDING[issue.code](params, i18n) ?? issue.message;
}
