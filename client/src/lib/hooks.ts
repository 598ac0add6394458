import { useEffect, useRef, useState } from 'react';

export function useDebouncedValue<T>(value: T, delayMs: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setDebounced(value), delayMs);
    return () => window.clearTimeout(timer);
  }, [value, delayMs]);
  return debounced;
}

export interface Rate {
  /** Units per second over the last samples; null until two samples exist. */
  perSecond: number | null;
  /** Seconds left at that rate; null when unknown. */
  etaSeconds: number | null;
}

/** Throughput and time left from successive (done, total) readings, over a sliding window. */
export function useRate(done: number, total: number, active: boolean, windowMs = 15_000): Rate {
  const samples = useRef<{ at: number; done: number }[]>([]);
  const [rate, setRate] = useState<Rate>({ perSecond: null, etaSeconds: null });

  useEffect(() => {
    if (!active) {
      samples.current = [];
      setRate({ perSecond: null, etaSeconds: null });
      return;
    }
    const now = performance.now();
    const list = samples.current;
    const last = list.at(-1);
    if (!last || last.done !== done) list.push({ at: now, done });
    while (list.length > 2 && now - list[0].at > windowMs) list.shift();
    const first = list[0];
    const latest = list.at(-1);
    if (!first || !latest || latest.at === first.at || latest.done <= first.done) return;
    const perSecond = ((latest.done - first.done) * 1000) / (latest.at - first.at);
    const left = Math.max(0, total - done);
    setRate({ perSecond, etaSeconds: perSecond > 0 ? left / perSecond : null });
  }, [done, total, active, windowMs]);

  return rate;
}
