import { createRequire } from 'node:module';
import { domainToASCII } from 'node:url';

// mailchecker: a maintained list of ~56,000 throwaway-mailbox domains, released every few weeks.
// CommonJS whose exports node cannot name statically: loaded through require, on first use, so the
// parse worker (which imports the rules but never asks) does not load 1 MB of list per file.
let disposable: ReadonlySet<string> | null = null;
function disposableDomains(): ReadonlySet<string> {
  disposable ??= (createRequire(import.meta.url)('mailchecker') as typeof import('mailchecker')).blacklist();
  return disposable;
}
const NON_ASCII = /[\u0080-\uFFFF]/;

/** The domain, or one of its parents (`x.mailinator.com`), is a throwaway-mailbox service. */
export function isDisposableDomain(domain: string): boolean {
  const lower = domain.toLowerCase();
  let d = NON_ASCII.test(lower) ? domainToASCII(lower) || lower : lower;
  const list = disposableDomains();
  for (;;) {
    if (list.has(d)) return true;
    const dot = d.indexOf('.');
    // Stop at the last two labels: a bare TLD is never on the list.
    if (dot < 0 || d.indexOf('.', dot + 1) < 0) return false;
    d = d.slice(dot + 1);
  }
}

/**
 * Local parts that reach a team, a machine or nobody rather than the account holder, in English and
 * French. Compared lowercased, without a `+tag` and without `.`, `-`, `_` (`no-reply`, `no_reply`, `noreply`).
 */
export const ROLE_LOCAL_PARTS = [
  'noreply',
  'donotreply',
  'nepasrepondre',
  'mailerdaemon',
  'postmaster',
  'hostmaster',
  'webmaster',
  'abuse',
  'root',
  'nobody',
  'devnull',
  'null',
  'admin',
  'administrator',
  'administrateur',
  'sysadmin',
  'info',
  'infos',
  'information',
  'informations',
  'contact',
  'contacts',
  'hello',
  'bonjour',
  'support',
  'help',
  'helpdesk',
  'aide',
  'service',
  'services',
  'customerservice',
  'customercare',
  'serviceclient',
  'serviceclients',
  'sav',
  'sales',
  'ventes',
  'commercial',
  'billing',
  'invoices',
  'invoice',
  'facturation',
  'factures',
  'accounts',
  'accounting',
  'compta',
  'comptabilite',
  'finance',
  'payments',
  'paiements',
  'office',
  'bureau',
  'team',
  'equipe',
  'staff',
  'hr',
  'rh',
  'jobs',
  'careers',
  'recrutement',
  'marketing',
  'newsletter',
  'press',
  'presse',
  'media',
  'legal',
  'juridique',
  'privacy',
  'security',
  'securite',
  'accueil',
  'reception',
  'secretariat',
  'direction',
  'orders',
  'commandes',
  'shop',
  'boutique',
  'notifications',
  'alerts',
  'enquiries',
  'inquiries',
  'feedback',
  'it',
  'test',
] as const;

const ROLES: ReadonlySet<string> = new Set<string>(ROLE_LOCAL_PARTS);

/** The local part (before the "@") names a role, not a person. */
export function isRoleLocalPart(local: string): boolean {
  const plus = local.indexOf('+');
  const base = plus < 0 ? local : local.slice(0, plus);
  // Runs on every ADD/REPLACE row: a personal address is usually longer than any role, and most
  // have no separator to remove.
  if (base.length > MAX_ROLE_TYPED) return false;
  const lower = base.toLowerCase();
  return ROLES.has(SEPARATORS.test(lower) ? lower.replace(SEPARATORS_ALL, '') : lower);
}

const SEPARATORS = /[._-]/;
const SEPARATORS_ALL = /[._-]/g;
/** The longest role with separators typed between its words (`customer-service`, `ne-pas-repondre`), with room. */
const MAX_ROLE_TYPED = 24;
