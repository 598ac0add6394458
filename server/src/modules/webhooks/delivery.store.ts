import type { SqlDatabase, SqlTx, SqlValue } from '../../db/sql.js';
import type { SendResult } from './delivery.sender.js';
import { nextStep } from './retry-schedule.js';
import type { EndpointRecord } from './webhook.mapper.js';
import { toDate } from './webhook.mapper.js';
import { disableEndpoint } from './webhook.service.js';

/** An enabled endpoint with at least one delivery due, and what the worker needs to sign for it. */
export type DueEndpoint = Pick<EndpointRecord, 'id' | 'url' | 'secret' | 'previous_secret' | 'previous_secret_expires_at'>;

/** A delivery the worker holds (leased) until its result is written back. */
export interface ClaimedDelivery {
  endpointId: string;
  seq: number;
  /** Attempts made before this one. */
  attempts: number;
  eventId: string;
  payload: string;
}

/** The result of one attempt, waiting to be written back. */
export interface AttemptRecord {
  endpointId: string;
  seq: number;
  attempts: number;
  send: SendResult;
}

/** Rows per set-based update statement (5 parameters each). */
const UPDATE_CHUNK = 200;

const marks = (from: number, count: number) => Array.from({ length: count }, (_, i) => `$${from + i}`).join(', ');

/**
 * Enabled endpoints with a delivery due now: one index probe per endpoint (the
 * partial index on pending rows). A scalar subquery with LIMIT rather than
 * EXISTS, which PostgreSQL may turn into a join over every due row.
 */
export async function dueEndpoints(db: SqlDatabase, now: Date): Promise<DueEndpoint[]> {
  return db.query<DueEndpoint>(
    `select w.id, w.url, w.secret, w.previous_secret, w.previous_secret_expires_at from webhook_endpoint w
      where w.enabled = $1
        and (select d.event_seq from webhook_delivery d
              where d.endpoint_id = w.id and d.status = 'pending' and d.next_attempt_at <= $2
              order by d.next_attempt_at limit 1) is not null`,
    [true, now],
  );
}

/** Of the given endpoints, the ones still enabled, with their current URL and secrets. */
export async function enabledEndpoints(db: SqlDatabase, ids: string[]): Promise<DueEndpoint[]> {
  if (ids.length === 0) return [];
  return db.query<DueEndpoint>(
    `select id, url, secret, previous_secret, previous_secret_expires_at from webhook_endpoint
      where enabled = $1 and id in (${marks(2, ids.length)})`,
    [true, ...ids],
  );
}

/**
 * Claims up to `limit` due deliveries of one endpoint: locks them (skipping
 * rows another worker holds, on PostgreSQL) and moves next_attempt_at to
 * `leaseUntil`, so if this process dies mid-request they fall due again then.
 */
export async function claimDeliveries(
  db: SqlDatabase,
  endpointId: string,
  limit: number,
  now: Date,
  leaseUntil: Date,
): Promise<ClaimedDelivery[]> {
  return db.transaction(async (tx) => {
    const rows = await tx.query<{ event_seq: number | string; attempts: number }>(
      `select event_seq, attempts from webhook_delivery
        where endpoint_id = $1 and status = 'pending' and next_attempt_at <= $2
        order by next_attempt_at, event_seq limit $3 ${db.skipLocked}`,
      [endpointId, now, limit],
    );
    if (rows.length === 0) return [];
    const seqs = rows.map((r) => Number(r.event_seq));
    await tx.execute(`update webhook_delivery set next_attempt_at = $1 where endpoint_id = $2 and event_seq in (${marks(3, seqs.length)})`, [
      leaseUntil,
      endpointId,
      ...seqs,
    ]);
    const events = await tx.query<{ seq: number | string; id: string; payload: string }>(
      `select seq, id, payload from event where seq in (${marks(1, seqs.length)})`,
      seqs,
    );
    const bySeq = new Map(events.map((e) => [Number(e.seq), e]));
    const claimed: ClaimedDelivery[] = [];
    for (const r of rows) {
      const event = bySeq.get(Number(r.event_seq));
      if (event) claimed.push({ endpointId, seq: Number(r.event_seq), attempts: Number(r.attempts), eventId: event.id, payload: event.payload });
    }
    return claimed;
  });
}

/** How retries and disabling are decided; from the settings. */
export interface DeliveryPolicy {
  scheduleSeconds: readonly number[];
  disableAfterMs: number;
  random?: () => number;
}

function duration(ms: number): string {
  const s = ms / 1000;
  if (s >= 86_400) return `${+(s / 86_400).toFixed(1)} days`;
  if (s >= 3_600) return `${+(s / 3_600).toFixed(1)} hours`;
  return `${+s.toFixed(1)} seconds`;
}

async function markDelivered(tx: SqlTx, rows: AttemptRecord[], now: Date): Promise<void> {
  for (let i = 0; i < rows.length; i += UPDATE_CHUNK) {
    const chunk = rows.slice(i, i + UPDATE_CHUNK);
    const params: SqlValue[] = [now];
    // VALUES columns are column1…columnN on both dialects; the casts give PostgreSQL the types.
    const tuples = chunk.map((r) => {
      params.push(r.endpointId, r.seq, r.send.statusCode, r.send.latencyMs, r.send.at);
      const n = params.length;
      return `(cast($${n - 4} as text), cast($${n - 3} as bigint), cast($${n - 2} as integer), cast($${n - 1} as integer), cast($${n} as timestamp with time zone))`;
    });
    await tx.execute(
      `update webhook_delivery
          set status = 'delivered', attempts = attempts + 1, next_attempt_at = null, delivered_at = $1,
              last_status_code = v.column3, last_latency_ms = v.column4, last_attempt_at = v.column5, last_error = null
         from (values ${tuples.join(', ')}) as v
        where webhook_delivery.endpoint_id = v.column1 and webhook_delivery.event_seq = v.column2`,
      params,
    );
  }
}

/**
 * Writes a batch of attempt results in one transaction: delivered rows
 * set-based, retries and failures row by row, then the endpoints' failure
 * state (410 or a long enough failing streak disables one). Returns the
 * endpoints disabled here, with why.
 */
export async function recordAttempts(
  db: SqlDatabase,
  results: AttemptRecord[],
  policy: DeliveryPolicy,
  now = new Date(),
): Promise<Array<{ endpointId: string; reason: string }>> {
  return db.transaction(async (tx) => {
    const delivered: AttemptRecord[] = [];
    const succeeded = new Set<string>();
    const failing = new Set<string>();
    const gone = new Set<string>();
    for (const r of results) {
      if (r.send.aborted) {
        // Shutdown cut the request: not an attempt; due again right away (elsewhere or after restart).
        await tx.execute('update webhook_delivery set next_attempt_at = $1 where endpoint_id = $2 and event_seq = $3 and status = $4', [
          now,
          r.endpointId,
          r.seq,
          'pending',
        ]);
        continue;
      }
      const step = nextStep(r.send, r.attempts + 1, policy.scheduleSeconds, policy.random);
      if (step.kind === 'delivered') {
        delivered.push(r);
        succeeded.add(r.endpointId);
        continue;
      }
      // (A row failed meanwhile because its endpoint was disabled stays failed.)
      failing.add(r.endpointId);
      if (step.kind === 'gone') gone.add(r.endpointId);
      const retryAt = step.kind === 'retry' ? new Date(r.send.at.getTime() + r.send.latencyMs + step.delayMs) : null;
      await tx.execute(
        `update webhook_delivery
            set status = $1, attempts = attempts + 1, next_attempt_at = $2, last_attempt_at = $3,
                last_status_code = $4, last_error = $5, last_latency_ms = $6
          where endpoint_id = $7 and event_seq = $8 and status = 'pending'`,
        [
          retryAt ? 'pending' : 'failed',
          retryAt,
          r.send.at,
          r.send.statusCode,
          r.send.error,
          r.send.latencyMs,
          r.endpointId,
          r.seq,
        ],
      );
    }
    await markDelivered(tx, delivered, now);

    const disabled: Array<{ endpointId: string; reason: string }> = [];
    for (const id of succeeded) {
      await tx.execute('update webhook_endpoint set failing_since = null where id = $1 and failing_since is not null', [id]);
    }
    for (const id of failing) {
      if (gone.has(id)) {
        const reason = 'The endpoint answered 410 Gone.';
        if (await disableEndpoint(tx, id, reason, now)) disabled.push({ endpointId: id, reason });
        continue;
      }
      // A success in the same batch means the endpoint is alive: no streak.
      if (succeeded.has(id)) continue;
      const [row] = await tx.query<{ failing_since: unknown }>(
        'update webhook_endpoint set failing_since = coalesce(failing_since, $1) where id = $2 returning failing_since',
        [now, id],
      );
      const since = toDate(row?.failing_since);
      if (since && now.getTime() - since.getTime() >= policy.disableAfterMs) {
        const reason = `Every delivery failed for ${duration(policy.disableAfterMs)} (since ${since.toISOString()}).`;
        if (await disableEndpoint(tx, id, reason, now)) disabled.push({ endpointId: id, reason });
      }
    }
    return disabled;
  });
}
