/**
 * When to try a webhook delivery again. Pure functions: the worker passes the
 * clock and the random source, the unit tests pin them.
 */

/** The share of each delay that is randomised (±10%), so retries of one outage do not arrive in lockstep. */
export const JITTER = 0.1;

/** Retry-After beyond this is clamped: a receiver cannot park a delivery for longer than a day. */
export const RETRY_AFTER_CAP_MS = 24 * 60 * 60 * 1000;

/**
 * Milliseconds to wait before retry number `retry` (1 = the first retry),
 * with jitter; null once the schedule is used up (the delivery then fails).
 */
export function retryDelayMs(scheduleSeconds: readonly number[], retry: number, random: () => number = Math.random): number | null {
  if (retry < 1 || retry > scheduleSeconds.length) return null;
  const base = scheduleSeconds[retry - 1] * 1000;
  const factor = 1 + (random() * 2 - 1) * JITTER;
  return Math.max(0, Math.round(base * factor));
}

/** The longest a delivery can keep retrying with this schedule (jitter included), in milliseconds. */
export function retryWindowMs(scheduleSeconds: readonly number[]): number {
  return Math.round(scheduleSeconds.reduce((sum, s) => sum + s, 0) * 1000 * (1 + JITTER));
}

/**
 * Reads a Retry-After header (delay-seconds or an HTTP date) as milliseconds
 * from `now`, clamped to [0, RETRY_AFTER_CAP_MS]; null when absent or unreadable.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | null {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!raw) return null;
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(raw)) ms = Number(raw) * 1000;
  else {
    // An HTTP date has a weekday and a month name; Date.parse alone takes "-5" as a year.
    const at = /[a-z]/i.test(raw) ? Date.parse(raw) : Number.NaN;
    if (Number.isNaN(at)) return null;
    ms = at - now;
  }
  return Math.min(Math.max(0, Math.round(ms)), RETRY_AFTER_CAP_MS);
}

/** What one attempt ended with, as far as scheduling is concerned. */
export interface AttemptOutcome {
  /** The HTTP status, or null when no response came (timeout, refused, DNS…). */
  statusCode: number | null;
  /** The receiver's Retry-After in ms (only looked at on 429 and 503). */
  retryAfterMs: number | null;
}

/** The next state of a delivery after an attempt. */
export type NextStep =
  | { kind: 'delivered' }
  | { kind: 'retry'; delayMs: number }
  | { kind: 'failed' }
  /** 410 Gone: the receiver asks us to stop; the endpoint is disabled. */
  | { kind: 'gone' };

/**
 * Decides what follows attempt number `attempts` (1-based, this one included).
 * Only 2xx counts as delivered; 410 disables the endpoint; 429 and 503 wait as
 * long as Retry-After says when it says; everything else follows the schedule.
 */
export function nextStep(
  outcome: AttemptOutcome,
  attempts: number,
  scheduleSeconds: readonly number[],
  random: () => number = Math.random,
): NextStep {
  const code = outcome.statusCode;
  if (code !== null && code >= 200 && code < 300) return { kind: 'delivered' };
  if (code === 410) return { kind: 'gone' };
  const scheduled = retryDelayMs(scheduleSeconds, attempts, random);
  if (scheduled === null) return { kind: 'failed' };
  if ((code === 429 || code === 503) && outcome.retryAfterMs !== null) return { kind: 'retry', delayMs: outcome.retryAfterMs };
  return { kind: 'retry', delayMs: scheduled };
}
