import { describe, expect, it } from 'vitest';
import { idRandomChars, newId, newIdRandomParts, randomToken } from './ids.js';

describe('ids', () => {
  it('makes base62 tokens of the asked length', () => {
    for (const length of [1, 20, 24, 43, 5_000]) {
      const token = randomToken(length);
      expect(token).toHaveLength(length);
      expect(token).toMatch(/^[0-9A-Za-z]+$/);
    }
  });

  it('never repeats an id, across many pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50_000; i++) seen.add(newId('evt'));
    expect(seen.size).toBe(50_000);
    expect([...seen][0]).toMatch(/^evt_[0-9A-Za-z]{24}$/);
  });

  it('draws every character about equally often (unbiased)', () => {
    const text = randomToken(620_000);
    const counts = new Map<string, number>();
    for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // Expected 10,000 each; a biased modulo would give the first 8 characters ~+25 %.
    for (const n of counts.values()) expect(Math.abs(n - 10_000)).toBeLessThan(600);
  });

  it('gives the random parts of many ids in one string', () => {
    const parts = newIdRandomParts(1_000);
    expect(parts).toHaveLength(1_000 * idRandomChars);
    const ids = new Set<string>();
    for (let k = 0; k < 1_000; k++) ids.add(parts.slice(k * idRandomChars, (k + 1) * idRandomChars));
    expect(ids.size).toBe(1_000);
  });
});

describe('bulk id parts', () => {
  it('sort by time, so later ids land at the right edge of a unique index', () => {
    const early = newIdRandomParts(3, new Date('2026-01-01T00:00:00.000Z'));
    const late = newIdRandomParts(3, new Date('2026-01-01T00:00:00.001Z'));
    const cut = (s: string) => [0, 1, 2].map((k) => s.slice(k * idRandomChars, (k + 1) * idRandomChars));
    for (const a of cut(early)) for (const b of cut(late)) expect(a < b).toBe(true);
    for (const id of [...cut(early), ...cut(late)]) expect(id).toMatch(/^[0-9A-Za-z]{24}$/);
  });
});
