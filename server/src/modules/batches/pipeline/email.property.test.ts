import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emailsEqual, normalizeEmail } from './email.js';
import { trimCell } from './text.js';

const ATOM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&\'*+/=?^_`{|}~-';
const LABEL = 'abcdefghijklmnopqrstuvwxyz0123456789';

const chars = (alphabet: string, min: number, max: number) =>
  fc.array(fc.constantFrom(...alphabet), { minLength: min, maxLength: max }).map((a) => a.join(''));

/** A dot-atom local part of at most 64 characters. */
const local = fc
  .array(chars(ATOM, 1, 12), { minLength: 1, maxLength: 5 })
  .map((atoms) => atoms.join('.'))
  .filter((l) => l.length <= 64);
/** A label: letters/digits, inner hyphens, at most 63 characters. */
const label = fc
  .tuple(chars(LABEL, 1, 1), chars(`${LABEL}-`, 0, 20), chars(LABEL, 1, 1))
  .map(([a, b, c]) => `${a}${b}${c}`)
  .filter((l) => !l.startsWith('xn--'));
const domain = fc
  .tuple(fc.array(label, { minLength: 1, maxLength: 4 }), chars('abcdefghijklmnopqrstuvwxyz', 2, 8))
  .map(([labels, tld]) => [...labels, tld].join('.'));
/** Addresses the product accepts: dot-atom local part, letters/digits/hyphen domain, letter TLD. */
const validAddress = fc.tuple(local, domain).map(([l, d]) => ({ local: l, domain: d })).filter(({ local: l, domain: d }) => l.length + 1 + d.length <= 254);

/** Upper-cases a random subset of letters. */
const mixCase = (s: string) => fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }).map((u) => [...s].map((c, i) => (u[i] ? c.toUpperCase() : c)).join(''));
const space = fc.constantFrom('', ' ', '  ', '\t', '\u00a0', '\u200b', '\uFEFF', ' \r\n');

/** Anything a spreadsheet cell may hold, biased toward near-addresses. */
const anyCell = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  validAddress.map(({ local: l, domain: d }) => `${l}@${d}`),
  fc.tuple(fc.string({ maxLength: 10 }), fc.constantFrom('@', '@@', '.', ' ', 'mailto:', '<', '>', ',', ';'), fc.string({ maxLength: 10 })).map((p) => p.join('')),
);

describe('normalizeEmail (properties)', () => {
  it('accepts every well-formed address, keeps the local part and lowercases the domain', () => {
    fc.assert(
      fc.property(
        validAddress.chain((a) => fc.tuple(fc.constant(a), mixCase(a.domain))),
        ([{ local: l, domain: d }, typedDomain]) => {
          expect(normalizeEmail(`${l}@${typedDomain}`)).toEqual({ ok: true, email: `${l}@${d}` });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('accepts what fast-check generates as RFC 5321/1123 addresses (dot-atom local parts)', () => {
    fc.assert(
      fc.property(fc.emailAddress(), (address) => {
        const r = normalizeEmail(address);
        expect(r).toEqual({ ok: true, email: `${address.slice(0, address.lastIndexOf('@'))}@${address.slice(address.lastIndexOf('@') + 1).toLowerCase()}` });
      }),
      { numRuns: 1000 },
    );
  });

  it('ignores surrounding whitespace and zero-width characters', () => {
    fc.assert(
      fc.property(anyCell, space, space, (cell, before, after) => {
        expect(normalizeEmail(`${before}${cell}${after}`)).toEqual(normalizeEmail(cell));
      }),
      { numRuns: 1000 },
    );
  });

  it('returns only addresses it would accept again unchanged, within the length limits', () => {
    fc.assert(
      fc.property(anyCell, (cell) => {
        const r = normalizeEmail(cell);
        if (!r.ok) {
          expect(r.refusal.text.length).toBeGreaterThan(10);
          return;
        }
        expect(normalizeEmail(r.email)).toEqual(r);
        expect(r.email.length).toBeLessThanOrEqual(254);
        const at = r.email.indexOf('@');
        expect(at).toBe(r.email.lastIndexOf('@'));
        expect(at).toBeGreaterThan(0);
        expect(at).toBeLessThanOrEqual(64);
        const d = r.email.slice(at + 1);
        expect(d).toBe(d.toLowerCase());
        expect(r.email).not.toMatch(/\s|^mailto:/i);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses over-long addresses, local parts and labels', () => {
    fc.assert(
      fc.property(validAddress, fc.integer({ min: 1, max: 40 }), ({ local: l, domain: d }, extra) => {
        expect(normalizeEmail(`${'a'.repeat(65 + extra)}@${d}`).ok).toBe(false);
        expect(normalizeEmail(`${l}@${'b'.repeat(63 + extra)}.${d}`).ok).toBe(false);
        const padded = `${l}@${`${'c'.repeat(60)}.`.repeat(5)}${d}`;
        expect(normalizeEmail(padded).ok).toBe(padded.length <= 254);
      }),
      { numRuns: 300 },
    );
  });
});

describe('emailsEqual (properties)', () => {
  it('is reflexive and symmetric, ignores domain case, and not local-part case', () => {
    fc.assert(
      fc.property(validAddress, anyCell, (a, other) => {
        const address = `${a.local}@${a.domain}`;
        expect(emailsEqual(address, address)).toBe(true);
        expect(emailsEqual(address, `${a.local}@${a.domain.toUpperCase()}`)).toBe(true);
        expect(emailsEqual(address, other)).toBe(emailsEqual(other, address));
        if (a.local.toUpperCase() !== a.local) expect(emailsEqual(address, `${a.local.toUpperCase()}@${a.domain}`)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('agrees with normalization: an address equals its normalized form', () => {
    fc.assert(
      fc.property(anyCell, (cell) => {
        const r = normalizeEmail(cell);
        if (r.ok) expect(emailsEqual(trimCell(cell), r.email)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
