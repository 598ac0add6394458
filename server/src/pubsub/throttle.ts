import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Re-emits the latest value of `source` at most once per `intervalMs`,
 * dropping the values in between, and always emitting the value for which
 * `isLast` holds (then ending). Used for progress: a client wants the current
 * state, not every step.
 */
export async function* throttleLatest<T>(
  source: AsyncIterator<T>,
  intervalMs: number,
  isLast: (value: T) => boolean,
): AsyncGenerator<T> {
  let latest: T | undefined;
  let pending = false;
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const pump = (async () => {
    try {
      for (;;) {
        const r = await source.next();
        if (r.done) break;
        latest = r.value;
        pending = true;
        wake?.();
        if (isLast(r.value)) break;
      }
    } catch (err) {
      failure = err;
    } finally {
      ended = true;
      wake?.();
    }
  })();
  let lastEmit = 0;
  try {
    for (;;) {
      if (!pending) {
        if (ended) {
          if (failure) throw failure;
          return;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        continue;
      }
      const wait = lastEmit + intervalMs - Date.now();
      if (wait > 0) await sleep(wait);
      const value = latest as T;
      pending = false;
      lastEmit = Date.now();
      yield value;
      if (isLast(value)) return;
    }
  } finally {
    await source.return?.();
    await pump;
  }
}
