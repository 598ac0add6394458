import type { SqlDatabase } from '../../db/sql.js';
import type { Logger } from '../../logger.js';
import { toDate } from './webhook.mapper.js';

/**
 * Fan-out: turns outbox events into one `webhook_delivery` row per enabled
 * endpoint of the event's platform, set-based (`insert … select` from event
 * join endpoint), behind a single cursor over `event.seq` (`webhook_fanout`).
 * Nothing per event is held in memory: a step reads at most FANOUT_EVENTS
 * sequence numbers and lets the database copy the rows.
 *
 * Why one cursor and not one per endpoint: one statement serves every
 * endpoint, and a new endpoint simply starts at the current end of the outbox
 * (`from_seq`), receiving only events recorded after it.
 *
 * Why the gap rule: on PostgreSQL a `bigserial` value is taken at insert but
 * becomes visible at commit, so seq 41 may commit after seq 42. A cursor that
 * jumped to 42 would lose 41 forever. The cursor therefore stops before a
 * missing seq and only steps over it once it has stayed missing for
 * GAP_WAIT_MS (a rolled-back insert leaves a permanent hole). SQLite writers
 * are serialised, so there holes only come from rollbacks there too.
 */

/** Events per fan-out transaction (times the endpoints of their platforms in rows). */
export const FANOUT_EVENTS = 2_000;

/** How long a hole in `event.seq` may be an uncommitted insert before it counts as a rollback. */
export const GAP_WAIT_MS = 30_000;

/** A missing seq and when a fan-out first saw it. */
export interface Gap {
  seq: number;
  seenAt: number;
}

/**
 * How far the cursor may move: through `seqs` (ascending, all > cursor) while
 * they are contiguous, past a hole only once it is older than `gapWaitMs`.
 * Returns the new cursor, the hole it stopped at (if any) and the holes skipped.
 */
export function advanceCursor(
  cursor: number,
  seqs: readonly number[],
  gap: Gap | null,
  now: number,
  gapWaitMs: number = GAP_WAIT_MS,
): { upto: number; gap: Gap | null; skipped: number[] } {
  let expected = cursor + 1;
  let pending = gap;
  const skipped: number[] = [];
  for (const seq of seqs) {
    if (seq < expected) continue;
    if (seq > expected) {
      const known = pending && pending.seq === expected ? pending : null;
      if (!known || now - known.seenAt < gapWaitMs) return { upto: expected - 1, gap: known ?? { seq: expected, seenAt: now }, skipped };
      for (let s = expected; s < seq; s++) skipped.push(s);
      pending = null;
    }
    expected = seq + 1;
  }
  return { upto: expected - 1, gap: null, skipped };
}

/** Whether any event waits beyond the cursor: a plain read, no lock, no commit to flush. */
export async function fanOutPending(db: SqlDatabase): Promise<boolean> {
  const rows = await db.query<{ seq: number | string }>(
    // "order by seq" makes PostgreSQL walk the primary key from the cursor instead of scanning the table.
    'select seq from event where seq > (select last_seq from webhook_fanout where id = 1) order by seq limit 1',
  );
  return rows.length > 0;
}

/** One fan-out step. `more` says another step would find events right away. */
export async function fanOutStep(db: SqlDatabase, logger: Logger, now = new Date()): Promise<{ inserted: number; more: boolean }> {
  return db.transaction(async (tx) => {
    // Another worker holding the cursor row is fanning out: nothing to do here.
    const [cursor] = await tx.query<{ last_seq: number | string; gap_seq: number | string | null; gap_seen_at: unknown }>(
      `select last_seq, gap_seq, gap_seen_at from webhook_fanout where id = 1 ${db.skipLocked}`,
    );
    if (!cursor) return { inserted: 0, more: false };
    const last = Number(cursor.last_seq);
    const seqs = (
      await tx.query<{ seq: number | string }>('select seq from event where seq > $1 order by seq limit $2', [last, FANOUT_EVENTS])
    ).map((r) => Number(r.seq));
    if (seqs.length === 0) return { inserted: 0, more: false };
    const seenAt = toDate(cursor.gap_seen_at);
    const gap = cursor.gap_seq === null || !seenAt ? null : { seq: Number(cursor.gap_seq), seenAt: seenAt.getTime() };
    const step = advanceCursor(last, seqs, gap, now.getTime());
    if (step.skipped.length > 0) {
      logger.warn({ seqs: step.skipped.slice(0, 20), count: step.skipped.length }, 'outbox sequence holes skipped (rolled-back inserts)');
    }
    let inserted = 0;
    if (step.upto > last) {
      // The JSON text of enabled_events is searched for the quoted type: portable
      // (no JSON functions) and exact, since types contain no quote.
      inserted = await tx.execute(
        `insert into webhook_delivery (endpoint_id, event_seq, status, attempts, next_attempt_at, created_at)
         select w.id, e.seq, 'pending', 0, cast($3 as timestamp with time zone), cast($3 as timestamp with time zone)
           from event e join webhook_endpoint w on w.platform_id = e.platform_id
          where e.seq > $1 and e.seq <= $2 and e.seq > w.from_seq and w.enabled = $4
            and w.enabled_events like '%"' || e.type || '"%'
         on conflict (endpoint_id, event_seq) do nothing`,
        [last, step.upto, now, true],
      );
    }
    const gapChanged = (step.gap?.seq ?? null) !== gap?.seq || (step.gap?.seenAt ?? null) !== (gap?.seenAt ?? null);
    if (step.upto > last || gapChanged) {
      await tx.execute('update webhook_fanout set last_seq = $1, gap_seq = $2, gap_seen_at = $3 where id = 1', [
        step.upto,
        step.gap?.seq ?? null,
        step.gap ? new Date(step.gap.seenAt) : null,
      ]);
    }
    return { inserted, more: seqs.length === FANOUT_EVENTS && step.upto === seqs[seqs.length - 1] };
  });
}

/**
 * Takes the fan-out cursor's row lock until the transaction ends: run it
 * before reading {@link OUTBOX_END_SQL} for a new (or re-enabled) endpoint, so
 * no fan-out step runs between reading the end of the outbox and committing.
 */
export const LOCK_FANOUT_SQL = 'update webhook_fanout set last_seq = last_seq where id = 1';

/** The outbox position a new (or re-enabled) endpoint starts after: it receives events with a higher seq. */
export const OUTBOX_END_SQL = '(select coalesce(max(seq), 0) from event)';
