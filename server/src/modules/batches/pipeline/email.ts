import { domainToASCII } from 'node:url';
import { showChar, trimCell } from './text.js';

/** Result of {@link normalizeEmail}: the address to store, or why it was refused. */
export type EmailCheck = { ok: true; email: string } | { ok: false; reason: string };

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

const fail = (reason: string): EmailCheck => ({ ok: false, reason });

function firstBadChar(s: string, allowed: RegExp): string | null {
  for (const ch of s) if (!allowed.test(ch)) return ch;
  return null;
}

function checkShape(value: string): string | null {
  if (/^mailto:/i.test(value)) return 'Remove the "mailto:" prefix and keep only the address, e.g. name@example.com.';
  if (/<.*>/.test(value)) return 'Enter only the address, without a name or angle brackets, e.g. name@example.com.';
  const ats = value.split('@').length - 1;
  if (ats > 1 && /[\s,;]/.test(value)) return 'Enter only one email address per row.';
  if (/\s/.test(value)) return 'The address contains a space.';
  const invisible = INVISIBLE.exec(value);
  if (invisible) return `The address contains an invisible character (${showChar(invisible[0])}); retype it.`;
  if (ats === 0) return 'The address has no "@".';
  if (ats > 1) return 'The address has more than one "@".';
  return null;
}

function checkLocal(local: string): string | null {
  if (local === '') return 'Nothing comes before the "@".';
  if (local.length > MAX_LOCAL) return `The part before the "@" is longer than ${MAX_LOCAL} characters.`;
  const bad = LOCAL_ALL.test(local) ? null : firstBadChar(local, LOCAL_CHAR);
  if (bad) return `The part before the "@" contains a character that is not allowed: ${showChar(bad)}.`;
  if (local.startsWith('.') || local.endsWith('.')) return 'The part before the "@" cannot start or end with a dot.';
  if (local.includes('..')) return 'The address cannot contain two dots in a row.';
  return null;
}

/**
 * Internationalized domains are accepted as typed, in Unicode (`müller.de`), and also in punycode
 * (`xn--mller-kva.de`), which is plain letters, digits and hyphens. The Unicode form is kept because
 * it is what the user typed and will recognize in the review; it is validated through its ASCII form.
 */
function checkDomainUncached(domain: string): string | null {
  if (domain === '') return 'Nothing comes after the "@".';
  if (domain.startsWith('[')) return 'Use a domain name after the "@", not an IP address.';
  if (domain.startsWith('.') || domain.endsWith('.')) return 'The domain (after the "@") cannot start or end with a dot.';
  if (domain.includes('..')) return 'The address cannot contain two dots in a row.';
  const labels = domain.split('.');
  if (labels.length < 2) return 'The domain (after the "@") needs a dot, as in example.com.';
  for (const label of labels) {
    const bad = firstBadChar(label, LABEL_CHAR);
    if (bad) return `The domain (after the "@") contains a character that is not allowed: ${showChar(bad)}.`;
    if (label.startsWith('-') || label.endsWith('-')) return 'A part of the domain cannot start or end with a hyphen.';
  }
  if (!TLD.test(labels[labels.length - 1])) {
    return 'The domain must end with an extension of at least two letters, such as .com or .fr.';
  }
  // Also run on ASCII domains: it is what rejects malformed punycode labels such as xn--zz.
  const ascii = domainToASCII(domain);
  if (ascii === '') return 'The domain (after the "@") is not a valid international domain name.';
  if (ascii.split('.').some((l) => l.length > MAX_LABEL)) {
    return `A part of the domain is longer than ${MAX_LABEL} characters.`;
  }
  return null;
}

// A file has few distinct domains and many rows: the verdict per domain is remembered (bounded,
// cleared when full, so a hostile file of unique domains costs memory only up to the bound).
const DOMAIN_CACHE_MAX = 10_000;
const domainVerdicts = new Map<string, string | null>();

function checkDomain(domain: string): string | null {
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
  if (value === '') return fail('The address is blank.');
  const shapeError = PLAIN_SHAPE.test(value) ? null : checkShape(value);
  if (shapeError) return fail(shapeError);
  const at = value.indexOf('@');
  const local = value.slice(0, at);
  const domain = value.slice(at + 1).toLowerCase();
  const partError = checkLocal(local) ?? checkDomain(domain);
  if (partError) return fail(partError);
  const email = `${local}@${domain}`;
  if (email.length > MAX_EMAIL) return fail(`The address is longer than ${MAX_EMAIL} characters.`);
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
