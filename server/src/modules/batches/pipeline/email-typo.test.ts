import { describe, expect, it } from 'vitest';
import allow from './fixtures/email-allow.json' with { type: 'json' };
import typos from './fixtures/email-typos.json' with { type: 'json' };
import { COMMON_MAIL_DOMAINS, editDistance, suggestDomain, suggestEmail } from './email-typo.js';

describe('suggestDomain: the typo corpus', () => {
  const entries = Object.entries(typos as Record<string, string>);

  it('is a corpus worth the name: misspellings of the common domains, with TLD slips', () => {
    expect(entries.length).toBeGreaterThanOrEqual(150);
    const targets = new Set(entries.map(([, d]) => d));
    expect(targets.size).toBeGreaterThanOrEqual(30);
    for (const target of targets) expect(COMMON_MAIL_DOMAINS).toContain(target);
    for (const slip of ['gmail.con', 'gmail.cmo', 'hotmail.fe', 'laposte.ner']) expect(typos).toHaveProperty([slip]);
  });

  it('suggests the intended domain for at least 95% of it, and never a wrong one', () => {
    const right = entries.filter(([typed, intended]) => suggestDomain(typed) === intended);
    const wrong = entries.filter(([typed, intended]) => {
      const s = suggestDomain(typed);
      return s !== null && s !== intended;
    });
    expect(wrong).toEqual([]);
    expect(right.length / entries.length).toBeGreaterThanOrEqual(0.95);
  });

  it('gives the whole corrected address, the local part as typed', () => {
    expect(suggestEmail('Jean.Dupont@gmial.com')).toBe('Jean.Dupont@gmail.com');
    expect(suggestEmail('marie+shop@hotmail.fe')).toBe('marie+shop@hotmail.fr');
    expect(suggestEmail('a@yahooo.fr')).toBe('a@yahoo.fr');
  });
});

describe('suggestDomain: the allow corpus (real domains)', () => {
  it('never suggests anything for a real domain', () => {
    const corrected = (allow as string[]).filter((d) => suggestDomain(d) !== null);
    expect(corrected).toEqual([]);
    expect((allow as string[]).length).toBeGreaterThanOrEqual(100);
    for (const d of ['hey.com', 'proton.me', 'gmx.de', 'free.fr', 'orange.fr', 'laposte.net', 'web.de', 'fastmail.com', 'icloud.com']) {
      expect(allow).toContain(d);
    }
  });

  it('abstains when two common domains are equally near', () => {
    // hotmail.ce: hotmail.ca or hotmail.be? Say nothing.
    expect(suggestDomain('hotmail.ce')).toBeNull();
  });

  it('treats Unicode and punycode spellings alike and folds a stray accent only onto a common domain', () => {
    expect(suggestDomain('vidéotron.ca')).toBe('videotron.ca');
    expect(suggestDomain('müller.de')).toBeNull();
    expect(suggestDomain('xn--mller-kva.de')).toBeNull();
    expect(suggestDomain('GMIAL.COM')).toBe('gmail.com');
  });
});

describe('editDistance', () => {
  it('counts an adjacent transposition as one edit and stops past the cap', () => {
    expect(editDistance('gmial', 'gmail', 2)).toBe(1);
    expect(editDistance('gmail', 'gmail', 2)).toBe(0);
    expect(editDistance('abcdef', 'uvwxyz', 2)).toBe(3);
  });
});
