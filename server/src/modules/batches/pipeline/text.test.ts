import { describe, expect, it } from 'vitest';
import { showChar, showValue, trimCell } from './text.js';

describe('trimCell', () => {
  it('trims spaces, tabs, no-break spaces, BOM and zero-width characters at both ends only', () => {
    expect(trimCell(' \t\u00A0\uFEFF\u200Ba b\u200D\u2060 ')).toBe('a b');
    expect(trimCell('a\u200Bb')).toBe('a\u200Bb');
  });
});

describe('showValue / showChar', () => {
  it('quotes and shortens values', () => {
    expect(showValue('abc')).toBe('"abc"');
    expect(showValue('x'.repeat(100))).toBe(`"${'x'.repeat(80)}…"`);
  });

  it('names invisible characters by code point', () => {
    expect(showChar('_')).toBe('"_"');
    expect(showChar('\u200B')).toBe('U+200B');
    expect(showChar('\u0001')).toBe('U+0001');
  });
});
