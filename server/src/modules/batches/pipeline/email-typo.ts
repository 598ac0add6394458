import { createRequire } from 'node:module';
import { domainToASCII } from 'node:url';

/**
 * Mail domains most used in English- and French-speaking countries: a typo of one of them is worth
 * a suggestion. Every domain listed here (and in {@link REAL_LOOKALIKES}) is also never "corrected".
 */
export const COMMON_MAIL_DOMAINS = [
  'gmail.com',
  'googlemail.com',
  'yahoo.com',
  'yahoo.fr',
  'yahoo.co.uk',
  'yahoo.ca',
  'ymail.com',
  'hotmail.com',
  'hotmail.fr',
  'hotmail.co.uk',
  'hotmail.ca',
  'hotmail.be',
  'outlook.com',
  'outlook.fr',
  'live.com',
  'live.fr',
  'live.ca',
  'msn.com',
  'aol.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'orange.fr',
  'wanadoo.fr',
  'free.fr',
  'sfr.fr',
  'neuf.fr',
  'laposte.net',
  'bbox.fr',
  'protonmail.com',
  'btinternet.com',
  'virginmedia.com',
  'sky.com',
  'comcast.net',
  'verizon.net',
  'att.net',
  'sbcglobal.net',
  'bellsouth.net',
  'videotron.ca',
  'sympatico.ca',
  'rogers.com',
  'shaw.ca',
  'telenet.be',
  'skynet.be',
  'bluewin.ch',
  'bigpond.com',
] as const;

/**
 * Real mail domains that sit one or two letters from a common one. They are never corrected, and
 * neither is anything else that is not clearly a slip: a company's own domain must never be flagged.
 */
export const REAL_LOOKALIKES = [
  'hey.com',
  'proton.me',
  'pm.me',
  'gmx.com',
  'gmx.fr',
  'gmx.de',
  'gmx.net',
  'web.de',
  'mail.com',
  'email.com',
  'fastmail.com',
  'fastmail.fm',
  'zoho.com',
  'yandex.com',
  'tutanota.com',
  'hotmail.de',
  'hotmail.it',
  'hotmail.es',
  'yahoo.de',
  'yahoo.es',
  'yahoo.it',
  'outlook.de',
  'outlook.be',
  'live.be',
  'live.co.uk',
  'orange.com',
  'laposte.fr',
  't-online.de',
] as const;

/** Domains that are not a mailbox provider's although they look like one: the intended one is known. */
const KNOWN_SLIPS: Readonly<Record<string, string>> = {
  'gmail.fr': 'gmail.com',
  'gmail.be': 'gmail.com',
  'gmail.ca': 'gmail.com',
  'gmail.co.uk': 'gmail.com',
  'gmail.ch': 'gmail.com',
  'icloud.fr': 'icloud.com',
  'hotmail.con.fr': 'hotmail.fr',
};

/**
 * Country or generic TLDs that exist but are the classic slips of `.com`, `.net`, `.fr` on a mail
 * provider's name (`gmail.co`, `gmail.cm`, `orange.fe`): only considered for a common domain's own name.
 */
const TLD_SLIPS: Readonly<Record<string, readonly string[]>> = {
  com: ['co', 'cm', 'om', 'cim', 'cpm', 'vom', 'xom', 'ocm', 'cmo', 'con', 'comm', 'coom', 'cok', 'col', 'cox'],
  net: ['ne', 'nt', 'et', 'nte', 'ent', 'met', 'bet', 'ner', 'nett', 'ney'],
  fr: ['fe', 'ft', 'fd', 'rf', 'frr', 'ffr', 'f', 'gr'],
  ca: ['caa', 'cq', 'ac', 'xa'],
  be: ['bee', 'eb', 'ber', 'bd'],
  ch: ['chh', 'hc', 'cg'],
  'co.uk': ['co.ul', 'co.uj', 'co.k', 'couk', 'co.u', 'co.ik', 'co.yk', 'com.uk', 'uk'],
};

// The IANA list (`tlds`, regenerated from IANA's file at each release): a TLD outside it is a slip.
// Loaded on first use: the parse worker imports the rules but never suggests.
let ianaTlds: ReadonlySet<string> | null = null;
function isIanaTld(tld: string): boolean {
  ianaTlds ??= new Set(createRequire(import.meta.url)('tlds') as string[]);
  return ianaTlds.has(tld);
}

interface Known {
  domain: string;
  name: string;
  suffix: string;
}

const KNOWN: readonly Known[] = COMMON_MAIL_DOMAINS.map((domain) => {
  const dot = domain.indexOf('.');
  return { domain, name: domain.slice(0, dot), suffix: domain.slice(dot + 1) };
});
const COMMON: ReadonlySet<string> = new Set<string>(COMMON_MAIL_DOMAINS);
const NON_ASCII = /[\u0080-\uFFFF]/;
const NEVER_CORRECTED: ReadonlySet<string> = new Set<string>([...COMMON_MAIL_DOMAINS, ...REAL_LOOKALIKES]);

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions), capped: `max + 1` means "further". */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array(rows * cols);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    let rowMin = Number.POSITIVE_INFINITY;
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[(i - 1) * cols + j] + 1, d[i * cols + j - 1] + 1, d[(i - 1) * cols + j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[(i - 2) * cols + j - 2] + 1);
      d[i * cols + j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
  }
  return Math.min(d[rows * cols - 1], max + 1);
}

/** The typed suffix stands for `intended`: equal, a classic slip of it, or a TLD that does not exist but is one edit away. */
function suffixMatches(typed: string, intended: string): number | null {
  if (typed === intended) return 0;
  if (TLD_SLIPS[intended]?.includes(typed)) return 1;
  const last = typed.slice(typed.lastIndexOf('.') + 1);
  // A known slip beats a guess: `hotmail.fe` is hotmail.fr, not hotmail.be.
  if (!isIanaTld(last) && editDistance(typed, intended, 1) <= 1) return 1.5;
  return null;
}

/** How many edits a provider's name may take and still be recognised: short names abstain. */
function nameBudget(name: string): number {
  if (name.length >= 7) return 2;
  if (name.length >= 5) return 1;
  return 0;
}

/**
 * The common mail domain that `domain` (lowercase, as stored) is a misspelling of, or null when
 * unsure. It abstains unless exactly one common domain is the nearest, its name is long enough to
 * be recognised (`aol`, `msn`, `sfr` take no edits: too many real domains sit one letter away), the
 * ending is the same or a known slip, and `domain` is not itself a real domain we know.
 */
export function suggestDomain(domain: string): string | null {
  const lower = domain.toLowerCase();
  // Unicode and punycode spellings of a domain are the same domain: compare the ASCII form.
  const ascii = NON_ASCII.test(lower) ? domainToASCII(lower) || lower : lower;
  if (NEVER_CORRECTED.has(ascii)) return null;
  if (NON_ASCII.test(lower)) {
    // `vidéotron.ca`: an accent typed on a provider's name. Real IDN domains stay untouched
    // unless, without accents, they are exactly a common provider's.
    const folded = lower.normalize('NFD').replace(/\p{M}/gu, '');
    return COMMON.has(folded) ? folded : null;
  }
  const slip = KNOWN_SLIPS[ascii];
  if (slip) return slip;
  const dot = ascii.indexOf('.');
  if (dot <= 0) return null;
  const name = ascii.slice(0, dot);
  const suffix = ascii.slice(dot + 1);
  let best: string | null = null;
  let bestScore = Number.POSITIVE_INFINITY;
  let tie = false;
  for (const k of KNOWN) {
    const suffixCost = suffixMatches(suffix, k.suffix);
    if (suffixCost === null) continue;
    const budget = nameBudget(k.name);
    const nameCost = name === k.name ? 0 : editDistance(name, k.name, budget);
    if (nameCost > budget) continue;
    // Two edits only inside a recognisable frame: `yopmail` is not `hotmail`.
    if (nameCost === 2 && (name[0] !== k.name[0] || name[name.length - 1] !== k.name[k.name.length - 1])) continue;
    // Both the name and the ending wrong on a short name: too unsure.
    if (nameCost > 0 && suffixCost > 0 && budget < 2 && nameCost + suffixCost > 2) continue;
    const score = nameCost + suffixCost;
    if (score === 0) return null;
    if (score < bestScore) {
      best = k.domain;
      bestScore = score;
      tie = false;
    } else if (score === bestScore && k.domain !== best) {
      tie = true;
    }
  }
  return tie ? null : best;
}

/** The whole corrected address for a typed one (local part kept as typed), or null. */
export function suggestEmail(email: string): string | null {
  const at = email.lastIndexOf('@');
  if (at < 1) return null;
  const fixed = suggestDomain(email.slice(at + 1));
  return fixed === null ? null : `${email.slice(0, at)}@${fixed}`;
}
