import type { SqlDatabase, SqlTx, SqlValue } from '../../db/sql.js';
import { badInput, conflict, notFound } from '../../graphql/errors.js';
import { type Connection, decodeCursor, toConnection } from '../../graphql/relay.js';
import { newId } from '../../ids.js';
import { recordAudit } from '../audit/audit.store.js';
import type { Services } from '../../services.js';
import { eventCount } from '../events/event-count.store.js';
import { deliveryCounts } from './counts.store.js';
import { LOCK_FANOUT_SQL, OUTBOX_END_SQL } from './fan-out.js';
import { newSigningSecret } from './signing.js';
import { checkWebhookUrl } from './url-policy.js';
import {
  DELIVERY_COLUMNS,
  type DeliveryRecord,
  deliveryFromRecord,
  ENDPOINT_COLUMNS,
  type EndpointRecord,
  EVENT_COLUMNS,
  type EventRecord,
  endpointFromRecord,
  eventFromRecord,
  storedStatus,
} from './webhook.mapper.js';
import type {
  EventType,
  WebhookDeliveryStatus,
  WebhookDeliverySummaryType,
  WebhookDeliveryType,
  WebhookEndpointType,
} from './webhook-endpoint.types.js';
import { nudgeWebhooks } from './webhook.topics.js';

/** Event types an endpoint can subscribe to (SPEC.md has one). */
export const WEBHOOK_EVENT_TYPES = ['account.updated'] as const;

/** After a rotation the previous secret keeps signing this long, so receivers can switch without losing a message. */
export const SECRET_OVERLAP_MS = 24 * 60 * 60 * 1000;

/** Endpoints per platform: each one multiplies every event into a delivery row. */
export const MAX_ENDPOINTS_PER_PLATFORM = 20;

const MAX_DESCRIPTION = 500;

/** The endpoint as the caller's platform sees it, or null (another platform's is null too). */
async function endpointRecord(db: SqlDatabase | SqlTx, platformId: string, id: string): Promise<EndpointRecord | null> {
  const [r] = await db.query<EndpointRecord>(`select ${ENDPOINT_COLUMNS} from webhook_endpoint where id = $1 and platform_id = $2`, [
    id,
    platformId,
  ]);
  return r ?? null;
}

/** One endpoint of the platform, or null (another platform's is null too). */
export async function findEndpoint(db: SqlDatabase, platformId: string, id: string): Promise<WebhookEndpointType | null> {
  const r = await endpointRecord(db, platformId, id);
  return r ? endpointFromRecord(r) : null;
}

/** Every endpoint of the platform, oldest first. */
export async function listEndpoints(db: SqlDatabase, platformId: string): Promise<WebhookEndpointType[]> {
  const rows = await db.query<EndpointRecord>(
    `select ${ENDPOINT_COLUMNS} from webhook_endpoint where platform_id = $1 order by created_at, id`,
    [platformId],
  );
  return rows.map((r) => endpointFromRecord(r));
}

async function validUrl(services: Services, raw: string): Promise<string> {
  const check = await checkWebhookUrl(raw, { allowPrivate: services.env.webhookAllowPrivate });
  if (!check.ok) throw badInput(check.reason, { field: 'url' });
  return check.url.toString();
}

function validDescription(raw: string | null | undefined): string | null {
  const text = raw?.trim() ?? '';
  if (text.length > MAX_DESCRIPTION) throw badInput(`The description is longer than ${MAX_DESCRIPTION} characters.`, { field: 'description' });
  return text || null;
}

function validEvents(raw: readonly string[] | null | undefined): string {
  const list = [...new Set((raw ?? ['account.updated']).map((t) => t.trim()))];
  if (list.length === 0) throw badInput('Choose at least one event type.', { field: 'enabledEvents' });
  const unknown = list.filter((t) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(t));
  if (unknown.length > 0) {
    throw badInput(`Unknown event type ${unknown.join(', ')}. Known types: ${WEBHOOK_EVENT_TYPES.join(', ')}.`, { field: 'enabledEvents' });
  }
  return JSON.stringify(list);
}

/**
 * Creates an endpoint and its signing secret (returned once, never readable
 * again). The endpoint receives the events recorded after it exists.
 */
export async function createEndpoint(
  services: Services,
  platformId: string,
  input: { url: string; description?: string | null; enabledEvents?: string[] | null },
  actor: string | null = null,
): Promise<{ endpoint: WebhookEndpointType; secret: string }> {
  const url = await validUrl(services, input.url);
  const description = validDescription(input.description);
  const events = validEvents(input.enabledEvents);
  const id = newId('we');
  const secret = newSigningSecret();
  const now = new Date();
  const record = await services.db.transaction(async (tx) => {
    // The lock first: it also serialises concurrent creates, so the cap holds.
    await tx.execute(LOCK_FANOUT_SQL);
    const [{ n }] = await tx.query<{ n: number | string }>('select count(*) as n from webhook_endpoint where platform_id = $1', [platformId]);
    if (Number(n) >= MAX_ENDPOINTS_PER_PLATFORM) {
      throw conflict(`A platform can have at most ${MAX_ENDPOINTS_PER_PLATFORM} webhook endpoints. Delete one first.`);
    }
    await tx.execute(
      `insert into webhook_endpoint (id, platform_id, url, description, enabled, enabled_events, secret, from_seq, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, ${OUTBOX_END_SQL}, $8, $8)`,
      [id, platformId, url, description, true, events, secret, now],
    );
    await recordAudit(tx, {
      platformId,
      actor,
      action: 'webhook_endpoint.created',
      target: id,
      details: { url, description, enabledEvents: JSON.parse(events) },
      at: now,
    });
    return (await endpointRecord(tx, platformId, id)) as EndpointRecord;
  });
  services.logger.info({ endpointId: id, platformId, host: new URL(url).host }, 'webhook endpoint created');
  return { endpoint: endpointFromRecord(record), secret };
}

/**
 * Edits an endpoint. Disabling fails its pending deliveries; enabling clears
 * the failure state and resumes with events recorded from now on.
 */
export async function updateEndpoint(
  services: Services,
  platformId: string,
  id: string,
  input: { url?: string | null; description?: string | null; enabled?: boolean | null; enabledEvents?: string[] | null },
  actor: string | null = null,
): Promise<WebhookEndpointType> {
  const url = input.url === undefined || input.url === null ? null : await validUrl(services, input.url);
  const events = input.enabledEvents === undefined || input.enabledEvents === null ? null : validEvents(input.enabledEvents);
  const now = new Date();
  const record = await services.db.transaction(async (tx) => {
    const before = await endpointRecord(tx, platformId, id);
    if (!before) throw notFound('Webhook endpoint');
    const sets: string[] = [];
    const params: SqlValue[] = [];
    const set = (column: string, value: SqlValue) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (url !== null) set('url', url);
    if (input.description !== undefined) set('description', validDescription(input.description));
    if (events !== null) set('enabled_events', events);
    const wasEnabled = Boolean(before.enabled);
    if (input.enabled === true && !wasEnabled) {
      await tx.execute(LOCK_FANOUT_SQL);
      set('enabled', true);
      set('disabled_reason', null);
      set('failing_since', null);
      sets.push(`from_seq = ${OUTBOX_END_SQL}`);
    }
    if (input.enabled === false && wasEnabled) await disableEndpoint(tx, id, 'Disabled by a user.', now);
    set('updated_at', now);
    params.push(id);
    await tx.execute(`update webhook_endpoint set ${sets.join(', ')} where id = $${params.length}`, params);
    const after = (await endpointRecord(tx, platformId, id)) as EndpointRecord;
    await recordAudit(tx, { platformId, actor, action: 'webhook_endpoint.updated', target: id, details: endpointChanges(before, after), at: now });
    return after;
  });
  services.logger.info({ endpointId: id, platformId, enabled: Boolean(record.enabled) }, 'webhook endpoint updated');
  return endpointFromRecord(record);
}

/** The audit details of an edit: each changed field, before and after (the secret is not among them). */
function endpointChanges(before: EndpointRecord, after: EndpointRecord): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const key of ['url', 'description', 'enabled_events'] as const) {
    if (before[key] !== after[key]) changes[key] = { from: before[key], to: after[key] };
  }
  if (Boolean(before.enabled) !== Boolean(after.enabled)) changes.enabled = { from: Boolean(before.enabled), to: Boolean(after.enabled) };
  return changes;
}

/**
 * Turns an endpoint off with a reason; its pending deliveries end FAILED (the
 * log says why) so no worker keeps claiming them. Returns false when it was off already.
 */
export async function disableEndpoint(tx: SqlTx, endpointId: string, reason: string, now: Date): Promise<boolean> {
  const changed = await tx.execute(
    'update webhook_endpoint set enabled = $1, disabled_reason = $2, updated_at = $3 where id = $4 and enabled = $5',
    [false, reason, now, endpointId, true],
  );
  if (changed === 0) return false;
  await tx.execute(
    `update webhook_delivery set status = 'failed', next_attempt_at = null, last_error = $1
      where endpoint_id = $2 and status = 'pending'`,
    [`Not delivered: the endpoint was disabled. ${reason}`, endpointId],
  );
  return true;
}

/** Deletes an endpoint and its delivery log. Another platform's endpoint is NOT_FOUND, like a missing one. */
export async function deleteEndpoint(services: Services, platformId: string, id: string, actor: string | null = null): Promise<boolean> {
  const deleted = await services.db.transaction(async (tx) => {
    // Deliveries first: one statement per table keeps SQLite and PostgreSQL alike
    // whether or not foreign keys cascade on the connection.
    const exists = await endpointRecord(tx, platformId, id);
    if (!exists) return 0;
    await tx.execute('delete from webhook_delivery where endpoint_id = $1', [id]);
    await recordAudit(tx, { platformId, actor, action: 'webhook_endpoint.deleted', target: id, details: { url: exists.url } });
    return tx.execute('delete from webhook_endpoint where id = $1 and platform_id = $2', [id, platformId]);
  });
  if (deleted === 0) throw notFound('Webhook endpoint');
  services.logger.info({ endpointId: id, platformId }, 'webhook endpoint deleted');
  return true;
}

/**
 * A new signing secret (returned once). The previous one keeps signing for
 * 24 hours beside it; rotating again within that time drops the oldest.
 */
export async function rotateSecret(
  services: Services,
  platformId: string,
  id: string,
  actor: string | null = null,
): Promise<{ endpoint: WebhookEndpointType; secret: string }> {
  const secret = newSigningSecret();
  const now = new Date();
  const record = await services.db.transaction(async (tx) => {
    const changed = await tx.execute(
      `update webhook_endpoint set previous_secret = secret, previous_secret_expires_at = $1, secret = $2, updated_at = $3
        where id = $4 and platform_id = $5`,
      [new Date(now.getTime() + SECRET_OVERLAP_MS), secret, now, id, platformId],
    );
    if (changed === 0) throw notFound('Webhook endpoint');
    await recordAudit(tx, { platformId, actor, action: 'webhook_endpoint.secret_rotated', target: id, at: now });
    return (await endpointRecord(tx, platformId, id)) as EndpointRecord;
  });
  services.logger.info({ endpointId: id, platformId }, 'webhook endpoint secret rotated');
  return { endpoint: endpointFromRecord(record), secret };
}

async function deliveryRecord(db: SqlDatabase | SqlTx, endpointId: string, seq: number): Promise<DeliveryRecord | null> {
  const [r] = await db.query<DeliveryRecord>(
    `select ${DELIVERY_COLUMNS} from webhook_delivery d join event e on e.seq = d.event_seq where d.endpoint_id = $1 and d.event_seq = $2`,
    [endpointId, seq],
  );
  return r ?? null;
}

/**
 * Queues one event for one endpoint again, now, with a fresh retry schedule
 * (also an event recorded before the endpoint existed, or of a type it does
 * not subscribe to: the caller asked for this one explicitly).
 */
export async function resendEvent(services: Services, platformId: string, endpointId: string, eventId: string): Promise<WebhookDeliveryType> {
  const now = new Date();
  const record = await services.db.transaction(async (tx) => {
    const endpoint = await endpointRecord(tx, platformId, endpointId);
    if (!endpoint) throw notFound('Webhook endpoint');
    const [event] = await tx.query<{ seq: number | string }>('select seq from event where id = $1 and platform_id = $2', [eventId, platformId]);
    if (!event) throw notFound('Event');
    if (!endpoint.enabled) throw conflict('This endpoint is disabled. Enable it first, then resend.');
    const seq = Number(event.seq);
    await tx.execute(
      `insert into webhook_delivery (endpoint_id, event_seq, status, attempts, next_attempt_at, created_at)
       values ($1, $2, 'pending', 0, $3, $3)
       on conflict (endpoint_id, event_seq) do update set status = 'pending', attempts = 0, next_attempt_at = $3, delivered_at = null`,
      [endpointId, seq, now],
    );
    return (await deliveryRecord(tx, endpointId, seq)) as DeliveryRecord;
  });
  services.logger.info({ endpointId, platformId, eventId }, 'webhook event queued again');
  nudgeWebhooks(services);
  return deliveryFromRecord(record);
}

/** An endpoint's deliveries, newest event first, keyset-paginated on the outbox seq. */
export async function listDeliveries(
  db: SqlDatabase,
  endpointId: string,
  args: { first: number; after?: string | null; status?: WebhookDeliveryStatus | null },
): Promise<Connection<WebhookDeliveryType>> {
  const params: SqlValue[] = [endpointId];
  const where = ['d.endpoint_id = $1'];
  if (args.status) {
    params.push(storedStatus(args.status));
    where.push(`d.status = $${params.length}`);
  }
  const counts = await deliveryCounts(db, endpointId);
  const n = args.status ? (counts.get(storedStatus(args.status)) ?? 0) : [...counts.values()].reduce((a, b) => a + b, 0);
  const after = args.after ? Number(decodeCursor(args.after)) : Number.NaN;
  if (Number.isFinite(after)) {
    params.push(after);
    where.push(`d.event_seq < $${params.length}`);
  }
  params.push(args.first + 1);
  const rows = await db.query<DeliveryRecord>(
    `select ${DELIVERY_COLUMNS} from webhook_delivery d join event e on e.seq = d.event_seq
      where ${where.join(' and ')} order by d.event_seq desc limit $${params.length}`,
    params,
  );
  return toConnection(rows.map(deliveryFromRecord), args.first, (d) => d.eventSeq, n);
}

/** Deliveries of an endpoint per status. */
export async function deliverySummary(db: SqlDatabase, endpointId: string): Promise<WebhookDeliverySummaryType> {
  const counts = await deliveryCounts(db, endpointId);
  const count = (s: string) => counts.get(s) ?? 0;
  return { pending: count('pending'), delivered: count('delivered'), failed: count('failed') };
}

/** The platform's events, newest first, keyset-paginated on the outbox seq. */
export async function listEvents(
  db: SqlDatabase,
  platformId: string,
  args: { first: number; after?: string | null; type?: string | null },
): Promise<Connection<EventType>> {
  const params: SqlValue[] = [platformId];
  const where = ['platform_id = $1'];
  if (args.type) {
    params.push(args.type);
    where.push(`type = $${params.length}`);
  }
  const n = await eventCount(db, platformId, args.type);
  const after = args.after ? Number(decodeCursor(args.after)) : Number.NaN;
  if (Number.isFinite(after)) {
    params.push(after);
    where.push(`seq < $${params.length}`);
  }
  params.push(args.first + 1);
  const rows = await db.query<EventRecord>(
    `select ${EVENT_COLUMNS} from event where ${where.join(' and ')} order by seq desc limit $${params.length}`,
    params,
  );
  return toConnection(rows.map(eventFromRecord), args.first, (e) => e.seq, n);
}

/** One event of the platform, or null (another platform's is null too). */
export async function findEvent(db: SqlDatabase, platformId: string, id: string): Promise<EventType | null> {
  const [r] = await db.query<EventRecord>(`select ${EVENT_COLUMNS} from event where id = $1 and platform_id = $2`, [id, platformId]);
  return r ? eventFromRecord(r) : null;
}
