import { describe, expect, it } from 'vitest';
import { neutralizeCell, unneutralizeCell } from './formula.js';

// A small deterministic PRNG so a failure can be replayed.
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Weighted toward the characters that matter so edge cases come up often.
const ALPHABET = ["'", "'", '=', '+', '-', '@', '\t', '\r', '\n', ' ', 'a', 'Z', '1', ',', '"', 'é', '✔', '😀'];

describe('neutralizeCell', () => {
  it.each(['=SUM(A1)', '+1', '-1', '@cmd', '\tx', '\rx'])('prefixes %j with an apostrophe', (v) => {
    expect(neutralizeCell(v)).toBe(`'${v}`);
  });

  it.each(['', 'abc', 'a=b', ' =x', "'", "'abc", 'acct_1', 'x@y.com'])('leaves %j alone', (v) => {
    expect(neutralizeCell(v)).toBe(v);
  });

  it('prefixes values whose apostrophes precede a trigger, so the reverse stays exact', () => {
    expect(neutralizeCell("'=x")).toBe("''=x");
    expect(unneutralizeCell("''=x")).toBe("'=x");
  });
});

describe('unneutralizeCell', () => {
  it('strips exactly one apostrophe before a trigger', () => {
    expect(unneutralizeCell("'=SUM(A1)")).toBe('=SUM(A1)');
    expect(unneutralizeCell("'-5")).toBe('-5');
    expect(unneutralizeCell("'\tx")).toBe('\tx');
  });

  it('keeps apostrophes that guard nothing', () => {
    expect(unneutralizeCell("'abc")).toBe("'abc");
    expect(unneutralizeCell("'")).toBe("'");
    expect(unneutralizeCell("O'Brien")).toBe("O'Brien");
  });
});

describe('round trip', () => {
  it('unneutralize(neutralize(x)) === x for 20,000 generated strings', () => {
    const rand = mulberry32(42);
    const failures: string[] = [];
    for (let n = 0; n < 20_000; n += 1) {
      const len = Math.floor(rand() * 8);
      let s = '';
      for (let i = 0; i < len; i += 1) s += ALPHABET[Math.floor(rand() * ALPHABET.length)];
      const guarded = neutralizeCell(s);
      if (unneutralizeCell(guarded) !== s || /^[=+\-@\t\r]/.test(guarded)) failures.push(s);
    }
    expect(failures).toEqual([]);
  });
});
