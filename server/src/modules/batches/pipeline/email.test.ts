import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { EMAIL_REASONS, emailsEqual, normalizeEmail } from './email.js';

function reason(raw: string): string {
  const r = normalizeEmail(raw);
  if (r.ok) throw new Error(`expected ${raw} to be refused`);
  return r.refusal.text;
}

describe('normalizeEmail', () => {
  it('trims and lowercases the domain, keeping the local part as typed', () => {
    expect(normalizeEmail('  John.Doe+Tag@Example.COM \t')).toEqual({ ok: true, email: 'John.Doe+Tag@example.com' });
    expect(normalizeEmail('\u200Ba@b.co\u00A0')).toEqual({ ok: true, email: 'a@b.co' });
  });

  it.each([
    'a@b.co',
    "o'brien@example.ie",
    'x!#$%&*+/=?^_`{|}~-y@example.com',
    'first.last@sub.domain-name.example.org',
    'a@xn--mller-kva.de',
    'a@müller.de',
    'a@例え.jp',
    'a@example.xn--p1ai',
    'a@пример.рф',
    '1@2.io',
  ])('accepts %s', (email) => {
    expect(normalizeEmail(email).ok).toBe(true);
  });

  it('keeps a Unicode domain in Unicode, lowercased', () => {
    expect(normalizeEmail('a@MÜLLER.de')).toEqual({ ok: true, email: 'a@müller.de' });
  });

  it('refuses a mailto: prefix and says to remove it', () => {
    expect(reason('mailto:a@b.co')).toMatch(/Remove the "mailto:" prefix/);
    expect(reason('MAILTO:a@b.co')).toMatch(/mailto:/);
  });

  it.each([
    ['', /blank/],
    ['John <john@x.co>', /without a name or angle brackets/],
    ['a@x.co, b@y.co', /one email address per row/],
    ['a@x.co;b@y.co', /one email address per row/],
    ['a b@x.co', /space/],
    ['a\u200Bb@x.co', /invisible character \(U\+200B\)/],
    ['ab.co', /no "@"/],
    ['a@b@c.co', /more than one "@"/],
    ['@b.co', /Nothing comes before/],
    ['a@', /Nothing comes after/],
    ['"john.doe"@x.co', /before the "@" contains a character that is not allowed: """/],
    ['jöhn@x.co', /not allowed: "ö"/],
    ['a(b)@x.co', /not allowed: "\("/],
    ['.a@x.co', /cannot start or end with a dot/],
    ['a.@x.co', /cannot start or end with a dot/],
    ['a..b@x.co', /two dots in a row/],
    ['a@[192.168.0.1]', /not an IP address/],
    ['a@.x.co', /domain .* cannot start or end with a dot/],
    ['a@x.co.', /domain .* cannot start or end with a dot/],
    ['a@x..co', /two dots in a row/],
    ['a@localhost', /needs a dot/],
    ['a@ex_ample.com', /domain .* not allowed: "_"/],
    ['a@-x.co', /hyphen/],
    ['a@x-.co', /hyphen/],
    ['a@x.c', /extension of at least two letters/],
    ['a@x.c0m', /extension of at least two letters/],
    ['a@x.123', /extension of at least two letters/],
    ['a@xn--zz.de', /not a valid international domain name/],
    [`a@${'x'.repeat(64)}.com`, /longer than 63 characters/],
  ])('refuses %j', (email, why) => {
    expect(reason(email)).toMatch(why);
  });

  it('enforces the 64-character local part and 254-character total limits', () => {
    expect(normalizeEmail(`${'a'.repeat(64)}@x.co`).ok).toBe(true);
    expect(reason(`${'a'.repeat(65)}@x.co`)).toMatch(/longer than 64 characters/);
    const domain = `${'d'.repeat(60)}.${'d'.repeat(60)}.${'d'.repeat(60)}.${'d'.repeat(60)}.com`; // 247 chars
    expect(normalizeEmail(`abcdef@${domain}`).ok).toBe(true); // 254
    expect(reason(`abcdefg@${domain}`)).toMatch(/longer than 254 characters/);
  });

  it('writes reasons as sentences', () => {
    expect(reason('nope')).toMatch(/^[A-Z].*\.$/);
  });
});

describe('emailsEqual', () => {
  it('compares the domain ignoring case and the local part exactly', () => {
    expect(emailsEqual('John@Example.com', 'John@example.COM')).toBe(true);
    expect(emailsEqual('john@example.com', 'John@example.com')).toBe(false);
  });

  it('treats Unicode and punycode spellings of a domain as equal', () => {
    expect(emailsEqual('a@müller.de', 'a@xn--mller-kva.de')).toBe(true);
  });

  it('ignores surrounding spaces and falls back to exact comparison without "@"', () => {
    expect(emailsEqual(' a@b.co ', 'a@B.co')).toBe(true);
    expect(emailsEqual('abc', 'abc')).toBe(true);
    expect(emailsEqual('abc', 'a@b.co')).toBe(false);
  });
});

describe('email refusal reasons', () => {
  it('are worded in the dashboard under their code, the English wording the same as the server’s', () => {
    // The client words a reason from its code (client/src/lib/issue-message.ts); fr.ts has the
    // same keys as en.ts by type.
    const en = readFileSync(new URL('../../../../../client/src/i18n/en.ts', import.meta.url), 'utf8');
    for (const [code, text] of Object.entries(EMAIL_REASONS)) expect(en).toContain(`'emailReason.${code}': '${text}',`);
  });

  it('give each refusal a code and the values its wording needs', () => {
    const r = normalizeEmail(`${'a'.repeat(65)}@x.co`);
    expect(r).toMatchObject({ ok: false, refusal: { code: 'LOCAL_TOO_LONG', params: { max: '64' } } });
    expect(r.ok === false && r.refusal.text).toBe('The part before the "@" is longer than 64 characters.');
  });
});
