import { domainToASCII } from 'node:url';
import { showChar, trimCell } from './text.js';

/**
 * Why an address is refused: each reason's code and its English wording, `{char}` and `{max}`
 * filled from its params. Declared once: the row issue carries the code and params
 * (`reasonCode`, `char`, `max`) so a client words the reason in its own language
 * (client/src/lib/issue-message.ts, one entry per code).
 */
export const EMAIL_REASONS = {
  BLANK: 'The address is blank.',
  MAILTO: 'Remove the "mailto:" prefix and keep only the address, e.g. name@example.com.',
  DISPLAY_NAME: 'Enter only the address, without a name or angle brackets, e.g. name@example.com.',
  SEVERAL_ADDRESSES: 'Enter only one email address per row.',
  SPACE: 'The address contains a space.',
  INVISIBLE_CHARACTER: 'The address contains an invisible character ({char}); retype it.',
  NO_AT: 'The address has no "@".',
  SEVERAL_AT: 'The address has more than one "@".',
  LOCAL_EMPTY: 'Nothing comes before the "@".',
  LOCAL_TOO_LONG: 'The part before the "@" is longer than {max} characters.',
  LOCAL_BAD_CHARACTER: 'The part before the "@" contains a character that is not allowed: {char}.',
  LOCAL_DOT_AT_EDGE: 'The part before the "@" cannot start or end with a dot.',
  DOUBLE_DOT: 'The address cannot contain two dots in a row.',
  DOMAIN_EMPTY: 'Nothing comes after the "@".',
  DOMAIN_IP: 'Use a domain name after the "@", not an IP address.',
  DOMAIN_DOT_AT_EDGE: 'The domain (after the "@") cannot start or end with a dot.',
  DOMAIN_NO_DOT: 'The domain (after the "@") needs a dot, as in example.com.',
  DOMAIN_BAD_CHARACTER: 'The domain (after the "@") contains a character that is not allowed: {char}.',
  LABEL_HYPHEN_AT_EDGE: 'A part of the domain cannot start or end with a hyphen.',
  BAD_EXTENSION: 'The domain must end with an extension of at least two letters, such as .com or .fr.',
  BAD_INTERNATIONAL_DOMAIN: 'The domain (after the "@") is not a valid international domain name.',
  LABEL_TOO_LONG: 'A part of the domain is longer than {max} characters.',
  TOO_LONG: 'The address is longer than {max} characters.',
} as const;

export type EmailReasonCode = keyof typeof EMAIL_REASONS;

/** A refusal: its code, the values its wording is made of, and that wording in English. */
export interface EmailRefusal {
  code: EmailReasonCode;
  params: Record<string, string>;
  text: string;
}

/** Result of {@link normalizeEmail}: the address to store, or why it was refused. */
export type EmailCheck = { ok: true; email: string } | { ok: false; refusal: EmailRefusal };

function refuse(code: EmailReasonCode, params: Record<string, string> = {}): EmailRefusal {
  return { code, params, text: EMAIL_REASONS[code].replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? '') };
}

const MAX_EMAIL = 254;
const MAX_LOCAL = 64;
const MAX_LABEL = 63;

// RFC 5321 dot-atom characters; quoted local parts ("john doe"@x) are refused: no mailbox provider
// a platform's users rely on needs them, and they are mostly typos.
const LOCAL_CHAR = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]$/;
// Whole-string forms of the character rules: one regex run per part on the common path, the
// per-character walk only to name the offending character.
const LOCAL_ALL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/;
const LABEL_CHAR = /^[\p{L}\p{M}\p{Nd}-]$/u;
const TLD = /^(?:\p{L}{2,}|xn--[a-z0-9-]+)$/u;
const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF\u00AD]/;
const NON_ASCII = /[\u0080-\uFFFF]/;
// One "@", and none of the characters checkShape looks for (":" of mailto:, "<", ">",
// separators, spaces, invisible characters): checkShape would find nothing to refuse.
const PLAIN_SHAPE = /^[^@\s:<>,;\u200B-\u200D\u2060\uFEFF\u00AD]+@[^@\s:<>,;\u200B-\u200D\u2060\uFEFF\u00AD]+$/;

const fail = (refusal: EmailRefusal): EmailCheck => ({ ok: false, refusal });

function firstBadChar(s: string, allowed: RegExp): string | null {
  for (const ch of s) if (!allowed.test(ch)) return ch;
  return null;
}

function checkShape(value: string): EmailRefusal | null {
  if (/^mailto:/i.test(value)) return refuse('MAILTO');
  if (/<.*>/.test(value)) return refuse('DISPLAY_NAME');
  const ats = value.split('@').length - 1;
  if (ats > 1 && /[\s,;]/.test(value)) return refuse('SEVERAL_ADDRESSES');
  if (/\s/.test(value)) return refuse('SPACE');
  const invisible = INVISIBLE.exec(value);
  if (invisible) return refuse('INVISIBLE_CHARACTER', { char: showChar(invisible[0]) });
  if (ats === 0) return refuse('NO_AT');
  if (ats > 1) return refuse('SEVERAL_AT');
  return null;
}

function checkLocal(local: string): EmailRefusal | null {
  if (local === '') return refuse('LOCAL_EMPTY');
  if (local.length > MAX_LOCAL) return refuse('LOCAL_TOO_LONG', { max: String(MAX_LOCAL) });
  const bad = LOCAL_ALL.test(local) ? null : firstBadChar(local, LOCAL_CHAR);
  if (bad) return refuse('LOCAL_BAD_CHARACTER', { char: showChar(bad) });
  if (local.startsWith('.') || local.endsWith('.')) return refuse('LOCAL_DOT_AT_EDGE');
  if (local.includes('..')) return refuse('DOUBLE_DOT');
  return null;
}

/**
 * Internationalized domains are accepted as typed, in Unicode (`müller.de`), and also in punycode
 * (`xn--mller-kva.de`), which is plain letters, digits and hyphens. The Unicode form is kept because
 * it is what the user typed and will recognize in the review; it is validated through its ASCII form.
 */
function checkDomainUncached(domain: string): EmailRefusal | null {
  if (domain === '') return refuse('DOMAIN_EMPTY');
  if (domain.startsWith('[')) return refuse('DOMAIN_IP');
  if (domain.startsWith('.') || domain.endsWith('.')) return refuse('DOMAIN_DOT_AT_EDGE');
  if (domain.includes('..')) return refuse('DOUBLE_DOT');
  const labels = domain.split('.');
  if (labels.length < 2) return refuse('DOMAIN_NO_DOT');
  for (const label of labels) {
    const bad = firstBadChar(label, LABEL_CHAR);
    if (bad) return refuse('DOMAIN_BAD_CHARACTER', { char: showChar(bad) });
    if (label.startsWith('-') || label.endsWith('-')) return refuse('LABEL_HYPHEN_AT_EDGE');
  }
  if (!TLD.test(labels[labels.length - 1])) {
    return refuse('BAD_EXTENSION');
  }
  // Also run on ASCII domains: it is what rejects malformed punycode labels such as xn--zz.
  const ascii = domainToASCII(domain);
  if (ascii === '') return refuse('BAD_INTERNATIONAL_DOMAIN');
  if (ascii.split('.').some((l) => l.length > MAX_LABEL)) {
    return refuse('LABEL_TOO_LONG', { max: String(MAX_LABEL) });
  }
  return null;
}

// A file has few distinct domains and many rows: the verdict per domain is remembered (bounded,
// cleared when full, so a hostile file of unique domains costs memory only up to the bound).
const DOMAIN_CACHE_MAX = 10_000;
const domainVerdicts = new Map<string, EmailRefusal | null>();

function checkDomain(domain: string): EmailRefusal | null {
  const known = domainVerdicts.get(domain);
  if (known !== undefined) return known;
  const verdict = checkDomainUncached(domain);
  if (domainVerdicts.size >= DOMAIN_CACHE_MAX) domainVerdicts.clear();
  domainVerdicts.set(domain, verdict);
  return verdict;
}

/**
 * Validates and normalizes a typed email address: trims it, lowercases the domain and keeps the local
 * part as typed. The check is pragmatic rather than full RFC 5322: an unquoted dot-atom local part of
 * at most 64 characters, a domain of letters/digits/hyphen labels with at least one dot and a TLD of
 * two or more letters, at most 254 characters in all. A `mailto:` prefix is refused with a reason
 * telling to remove it, not silently stripped, so the stored value is exactly what the row shows.
 * Blank input is refused; callers treat blank cells as "no change" before calling this.
 */
export function normalizeEmail(raw: string): EmailCheck {
  const value = trimCell(raw);
  if (value === '') return fail(refuse('BLANK'));
  const shapeError = PLAIN_SHAPE.test(value) ? null : checkShape(value);
  if (shapeError) return fail(shapeError);
  const at = value.indexOf('@');
  const local = value.slice(0, at);
  const domain = value.slice(at + 1).toLowerCase();
  const partError = checkLocal(local) ?? checkDomain(domain);
  if (partError) return fail(partError);
  const email = `${local}@${domain}`;
  if (email.length > MAX_EMAIL) return fail(refuse('TOO_LONG', { max: String(MAX_EMAIL) }));
  return { ok: true, email };
}

function domainKey(domain: string): string {
  const lower = domain.toLowerCase();
  return (NON_ASCII.test(lower) ? domainToASCII(lower) : lower) || lower;
}

/**
 * Whether two addresses are the same mailbox: local parts compared exactly, domains ignoring case
 * (and Unicode vs punycode spelling of the same domain).
 */
export function emailsEqual(a: string, b: string): boolean {
  const x = a.trim();
  const y = b.trim();
  const ax = x.lastIndexOf('@');
  const ay = y.lastIndexOf('@');
  if (ax < 0 || ay < 0) return x === y;
  return x.slice(0, ax) === y.slice(0, ay) && domainKey(x.slice(ax + 1)) === domainKey(y.slice(ay + 1));
}
