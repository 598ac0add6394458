import { isDisposableDomain, isRoleLocalPart } from './email-quality.js';
import { suggestDomain } from './email-typo.js';
import { disposableEmailIssue, emailDomainTypoIssue, type RowIssue, roleEmailIssue } from './issues.js';

interface DomainVerdict {
  suggestion: string | null;
  disposable: boolean;
}

// A file has few distinct domains and many rows: one verdict per domain (bounded, cleared when full).
const DOMAIN_CACHE_MAX = 10_000;
const verdicts = new Map<string, DomainVerdict>();

function domainVerdict(domain: string): DomainVerdict {
  let v = verdicts.get(domain);
  if (v) return v;
  const suggestion = suggestDomain(domain);
  // A typo domain is often also on the throwaway list (typosquatters): the typo explains it better.
  v = { suggestion, disposable: suggestion === null && isDisposableDomain(domain) };
  if (verdicts.size >= DOMAIN_CACHE_MAX) verdicts.clear();
  verdicts.set(domain, v);
  return v;
}

/**
 * The email quality warnings that need only the address (valid, normalised): EMAIL_DOMAIN_TYPO with
 * the whole corrected address, DISPOSABLE_EMAIL, ROLE_EMAIL. SHARED_EMAIL needs the whole file and
 * EMAIL_DOMAIN_UNRESOLVABLE the network: both are separate passes. Empty for most addresses.
 */
export function emailQualityIssues(email: string): RowIssue[] {
  const at = email.lastIndexOf('@');
  if (at < 1) return [];
  const v = domainVerdict(email.slice(at + 1));
  const out: RowIssue[] = [];
  if (v.suggestion !== null) out.push(emailDomainTypoIssue(email, `${email.slice(0, at)}@${v.suggestion}`));
  if (v.disposable) out.push(disposableEmailIssue(email));
  if (isRoleLocalPart(email.slice(0, at))) out.push(roleEmailIssue(email));
  return out;
}
