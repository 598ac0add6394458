import { type RefObject, useCallback, useEffect, useRef, useState } from 'react';

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

/** The element of the batch page that names the batch's status (focus target, live region). */
export const BATCH_STATUS_ID = 'batch-status';

/** The batch whose page should focus its status once shown: set by the upload, taken once. */
let focusStatusOf: string | null = null;

/** Called by the upload before it opens the batch page: that page then focuses the batch's status. */
export function focusStatusAfterUpload(batchId: string): void {
  focusStatusOf = batchId;
}

/** True once, on the page of the batch just uploaded. */
export function takeFocusAfterUpload(batchId: string): boolean {
  if (focusStatusOf !== batchId) return false;
  focusStatusOf = null;
  return true;
}

/**
 * For a dialog opened by a button: `trigger` goes on the button, `returnFocus(acted)` is called
 * when the dialog closes. Closed without acting (Cancel, Escape), the focus goes back to the
 * button, or, if it is gone, to the batch's status. A closed dialog that React removes takes the
 * focus with it, so the browser's own return cannot work. Closed by its action (`acted`), the
 * batch moved on and the button goes with its step, though perhaps only a frame after the
 * action's answer: the status takes the focus at once, whatever the order of the two.
 */
export function useReturnFocus<T extends HTMLElement>(): { trigger: RefObject<T | null>; returnFocus(acted?: boolean): void } {
  const trigger = useRef<T>(null);
  const returnFocus = useCallback((acted = false) => {
    if (acted) {
      focusBatchStatus();
      return;
    }
    window.requestAnimationFrame(() => {
      const target = trigger.current?.isConnected ? trigger.current : document.getElementById(BATCH_STATUS_ID);
      target?.focus();
    });
  }, []);
  return { trigger, returnFocus };
}

/** After an action made its own controls go away (approved, declined): the status says what happened. */
export function focusBatchStatus(): void {
  const focus = () => document.getElementById(BATCH_STATUS_ID)?.focus();
  window.requestAnimationFrame(focus);
  // The dialog's close and the page moving on (the answer updates the cached batch) can land after that
  // frame, in either order: a closing <dialog> hands the focus back to its opener, which the move removes,
  // leaving the focus on the body. Put back a focus lost on the way; one the user moved is left alone.
  for (const ms of FOCUS_RECHECK_MS) {
    window.setTimeout(() => {
      if (!document.activeElement || document.activeElement === document.body) focus();
    }, ms);
  }
}

const FOCUS_RECHECK_MS = [100, 300, 1_000];
