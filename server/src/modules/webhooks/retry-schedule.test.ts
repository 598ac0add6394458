import { describe, expect, it } from 'vitest';
import { parseEnv } from '../../config/env.js';
import { nextStep, parseRetryAfter, RETRY_AFTER_CAP_MS, retryDelayMs, retryWindowMs } from './retry-schedule.js';

const schedule = [5, 30, 120];

describe('retryDelayMs', () => {
  it('follows the schedule, one value per retry, then stops', () => {
    const mid = () => 0.5; // no jitter
    expect([1, 2, 3].map((n) => retryDelayMs(schedule, n, mid))).toEqual([5_000, 30_000, 120_000]);
    expect(retryDelayMs(schedule, 4, mid)).toBeNull();
    expect(retryDelayMs(schedule, 0, mid)).toBeNull();
  });

  it('jitters each delay by at most ±10%', () => {
    expect(retryDelayMs(schedule, 2, () => 0)).toBe(27_000);
    expect(retryDelayMs(schedule, 2, () => 0.999_999)).toBe(33_000);
    const seen = new Set(Array.from({ length: 50 }, () => retryDelayMs(schedule, 3)));
    for (const d of seen) {
      expect(d).toBeGreaterThanOrEqual(108_000);
      expect(d).toBeLessThanOrEqual(132_000);
    }
    expect(seen.size).toBeGreaterThan(1);
  });

  it('takes fractions of a second (tests run the schedule fast)', () => {
    expect(retryDelayMs([0.05], 1, () => 0.5)).toBe(50);
  });

  it('default schedule: exponential backoff for up to 3 days', () => {
    const { WEBHOOK_RETRY_SCHEDULE: s } = parseEnv({});
    for (let i = 1; i < s.length; i++) expect(s[i]).toBeGreaterThanOrEqual(s[i - 1]);
    expect(s[0]).toBe(5);
    const total = s.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(2 * 86_400);
    expect(retryWindowMs(s)).toBeLessThanOrEqual(3 * 86_400_000);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('2', now)).toBe(2_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter(['3'], now)).toBe(3_000);
  });
  it('clamps to [0, 24 h] and ignores garbage', () => {
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('999999999', now)).toBe(RETRY_AFTER_CAP_MS);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-5', now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
    expect(parseRetryAfter('', now)).toBeNull();
  });
});

describe('nextStep', () => {
  const mid = () => 0.5;
  it('only 2xx is delivered', () => {
    expect(nextStep({ statusCode: 200, retryAfterMs: null }, 1, schedule, mid)).toEqual({ kind: 'delivered' });
    expect(nextStep({ statusCode: 204, retryAfterMs: null }, 1, schedule, mid)).toEqual({ kind: 'delivered' });
    for (const code of [301, 302, 400, 404, 500, 502]) {
      expect(nextStep({ statusCode: code, retryAfterMs: null }, 1, schedule, mid)).toEqual({ kind: 'retry', delayMs: 5_000 });
    }
    expect(nextStep({ statusCode: null, retryAfterMs: null }, 2, schedule, mid)).toEqual({ kind: 'retry', delayMs: 30_000 });
  });
  it('410 means gone', () => {
    expect(nextStep({ statusCode: 410, retryAfterMs: null }, 1, schedule, mid)).toEqual({ kind: 'gone' });
  });
  it('honours Retry-After on 429 and 503 only', () => {
    expect(nextStep({ statusCode: 429, retryAfterMs: 7_000 }, 1, schedule, mid)).toEqual({ kind: 'retry', delayMs: 7_000 });
    expect(nextStep({ statusCode: 503, retryAfterMs: 100 }, 1, schedule, mid)).toEqual({ kind: 'retry', delayMs: 100 });
    expect(nextStep({ statusCode: 500, retryAfterMs: 7_000 }, 1, schedule, mid)).toEqual({ kind: 'retry', delayMs: 5_000 });
    expect(nextStep({ statusCode: 429, retryAfterMs: null }, 1, schedule, mid)).toEqual({ kind: 'retry', delayMs: 5_000 });
  });
  it('fails once the schedule is used up, Retry-After or not', () => {
    expect(nextStep({ statusCode: 500, retryAfterMs: null }, 4, schedule, mid)).toEqual({ kind: 'failed' });
    expect(nextStep({ statusCode: 429, retryAfterMs: 1_000 }, 4, schedule, mid)).toEqual({ kind: 'failed' });
  });
});
