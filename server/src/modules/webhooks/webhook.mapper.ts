import type { EventType, WebhookDeliveryStatus, WebhookDeliveryType, WebhookEndpointType } from './webhook-endpoint.types.js';

/**
 * Rows as the two drivers return them: SQLite gives times as epoch
 * milliseconds and booleans as 0/1, PostgreSQL gives bigint as text and
 * times as Date or text. The mappers below accept both.
 */
type Time = Date | number | string | null;

/** A stored time of either dialect as a Date (null stays null). */
export function toDate(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v;
  if (typeof v === 'number' || typeof v === 'string') {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  return null;
}

/** A `webhook_endpoint` row. */
export interface EndpointRecord {
  id: string;
  platform_id: string;
  url: string;
  description: string | null;
  enabled: boolean | number;
  enabled_events: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Time;
  failing_since: Time;
  disabled_reason: string | null;
  created_at: Time;
  updated_at: Time;
}

/** The columns of {@link EndpointRecord}, for `select`. */
export const ENDPOINT_COLUMNS =
  'id, platform_id, url, description, enabled, enabled_events, secret, previous_secret, previous_secret_expires_at, failing_since, disabled_reason, created_at, updated_at';

/** The secrets that sign right now: the current one, and the previous one until its expiry. */
export function activeSecrets(r: Pick<EndpointRecord, 'secret' | 'previous_secret' | 'previous_secret_expires_at'>, now: Date): string[] {
  const until = toDate(r.previous_secret_expires_at);
  return r.previous_secret && until && until > now ? [r.secret, r.previous_secret] : [r.secret];
}

/** The stored JSON list of event types (an unreadable value reads as none). */
export function parseEnabledEvents(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** The GraphQL endpoint of a row; the secrets stay behind. */
export function endpointFromRecord(r: EndpointRecord, now = new Date()): WebhookEndpointType {
  const until = toDate(r.previous_secret_expires_at);
  return {
    id: r.id,
    url: r.url,
    description: r.description,
    enabled: Boolean(r.enabled),
    enabledEvents: parseEnabledEvents(r.enabled_events),
    disabledReason: r.disabled_reason,
    failingSince: toDate(r.failing_since),
    previousSecretExpiresAt: r.previous_secret && until && until > now ? until : null,
    createdAt: toDate(r.created_at) ?? new Date(0),
    updatedAt: toDate(r.updated_at) ?? new Date(0),
  };
}

/** A `webhook_delivery` row joined with its event's id and type. */
export interface DeliveryRecord {
  endpoint_id: string;
  event_seq: number | string;
  event_id: string;
  event_type: string;
  status: string;
  attempts: number;
  next_attempt_at: Time;
  last_attempt_at: Time;
  last_status_code: number | null;
  last_error: string | null;
  last_latency_ms: number | null;
  delivered_at: Time;
  created_at: Time;
}

/** Columns of `webhook_delivery d join event e on e.seq = d.event_seq`. */
export const DELIVERY_COLUMNS = `d.endpoint_id, d.event_seq, e.id as event_id, e.type as event_type, d.status, d.attempts,
  d.next_attempt_at, d.last_attempt_at, d.last_status_code, d.last_error, d.last_latency_ms, d.delivered_at, d.created_at`;

/** The GraphQL delivery of a row; nextAttemptAt only while pending. */
export function deliveryFromRecord(r: DeliveryRecord): WebhookDeliveryType {
  return {
    endpointId: r.endpoint_id,
    eventSeq: Number(r.event_seq),
    eventId: r.event_id,
    eventType: r.event_type,
    status: r.status.toUpperCase() as WebhookDeliveryStatus,
    attempts: Number(r.attempts),
    lastStatusCode: r.last_status_code === null ? null : Number(r.last_status_code),
    lastError: r.last_error,
    lastLatencyMs: r.last_latency_ms === null ? null : Number(r.last_latency_ms),
    lastAttemptAt: toDate(r.last_attempt_at),
    nextAttemptAt: r.status === 'pending' ? toDate(r.next_attempt_at) : null,
    deliveredAt: toDate(r.delivered_at),
    createdAt: toDate(r.created_at) ?? new Date(0),
  };
}

/** The stored status of a GraphQL status. */
export const storedStatus = (s: WebhookDeliveryStatus): string => s.toLowerCase();

/** An `event` (outbox) row. */
export interface EventRecord {
  seq: number | string;
  id: string;
  type: string;
  account_id: string | null;
  batch_id: string | null;
  payload: string;
  created_at: Time;
}

/** The columns of {@link EventRecord}, for `select`. */
export const EVENT_COLUMNS = 'seq, id, type, account_id, batch_id, payload, created_at';

/** The GraphQL event of an outbox row. */
export function eventFromRecord(r: EventRecord): EventType {
  return {
    seq: Number(r.seq),
    id: r.id,
    type: r.type,
    accountId: r.account_id,
    uploadBatchId: r.batch_id,
    payload: r.payload,
    createdAt: toDate(r.created_at) ?? new Date(0),
  };
}
