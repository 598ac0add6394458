/**
 * Deterministic, realistic demo accounts: the same platform name always yields
 * the same accounts, so demos, docs and tests can rely on them.
 */

const FIRST = ['Amelia', 'Noah', 'Léa', 'Lucas', 'Sofia', 'Mateo', 'Chloé', 'Hugo', 'Aisha', 'Kenji', 'Olivia', 'Liam', 'Zoë', 'Ethan', 'Mia', 'Gabriel', 'Inès', 'Arthur', 'Emma', 'Jules', 'Priya', 'Diego', 'Hannah', 'Omar', 'Yuki', 'Nina', 'Samuel', 'Elena', 'Tomás', 'Freya'];
const LAST = ['Martin', 'Bernard', 'Dubois', 'Smith', 'Johnson', 'García', 'Müller', 'Rossi', 'Nguyen', 'Kowalski', "O'Brien", 'Tanaka', 'Silva', 'Petit', 'Durand', 'Lefèvre', 'Brown', 'Wilson', 'Khan', 'Haddad', 'Novak', 'Jensen', 'Moreau', 'Fontaine', 'Costa', 'Ivanova', 'Park', 'Lopez', 'Schmidt', 'Andersen'];
const BIZ_A = ['Blue', 'North', 'Golden', 'Urban', 'Green', 'Bright', 'Silver', 'Little', 'Wild', 'Maple', 'Harbor', 'Cedar', 'Sunny', 'Atlas', 'Nova'];
const BIZ_B = ['Bakery', 'Studio', 'Outfitters', 'Coffee', 'Design', 'Bikes', 'Books', 'Florist', 'Tutoring', 'Plumbing', 'Yoga', 'Ceramics', 'Catering', 'Labs', 'Travel'];
const BIZ_C = ['', ' LLC', ' Ltd', ', Inc.', ' & Co', ' SARL', ' GmbH'];
const DOMAINS = ['example.com', 'mail.example.org', 'example.net', 'shop.example', 'corp.example.com'];
const ID_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** 32-bit FNV-1a: a stable seed from the platform name. */
function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: tiny, fast and good enough for demo data. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SeedAccount {
  id: string;
  businessName: string | null;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  userClaimedEmail: boolean;
  status: 'active' | 'restricted' | 'closed' | 'rejected';
}

/**
 * Yields `count` accounts: about 30% without an email, about a quarter of the
 * rest claimed (✔), about 3% closed or rejected, some individuals without a
 * business name and some businesses without a person's name.
 */
export function* seedAccounts(platformName: string, count: number): Generator<SeedAccount> {
  const rnd = prng(seedOf(platformName));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
  for (let i = 0; i < count; i++) {
    let id = 'acct_';
    for (let c = 0; c < 14; c++) id += ID_CHARS[Math.floor(rnd() * ID_CHARS.length)];
    // The index suffix keeps ids unique whatever the random part does.
    id += i.toString(36);
    const kind = rnd();
    const first = pick(FIRST);
    const last = pick(LAST);
    const business = `${pick(BIZ_A)} ${pick(BIZ_B)}${pick(BIZ_C)}`;
    const isIndividual = kind < 0.2;
    const isCompanyOnly = kind > 0.85;
    const hasEmail = rnd() >= 0.3;
    const localPart = `${first}.${last}`
      .normalize('NFD')
      .replace(/[^A-Za-z.]/g, '')
      .toLowerCase();
    const statusRoll = rnd();
    const status = statusRoll < 0.015 ? 'closed' : statusRoll < 0.03 ? 'rejected' : statusRoll < 0.08 ? 'restricted' : 'active';
    yield {
      id,
      businessName: isIndividual ? null : business,
      firstName: isCompanyOnly ? null : first,
      lastName: isCompanyOnly ? null : last,
      email: hasEmail ? `${localPart}${i}@${pick(DOMAINS)}` : null,
      userClaimedEmail: hasEmail && rnd() < 0.25,
      status,
    };
  }
}
