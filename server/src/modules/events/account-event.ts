import { addEventCount } from './event-count.store.js';
import type { SqlTx, SqlValue } from '../../db/sql.js';
import { newId } from '../../ids.js';

/** The account fields an `account.updated` event carries. */
export interface AccountEventData {
  id: string;
  email: string | null;
  businessName: string | null;
  firstName: string | null;
  lastName: string | null;
}

export interface AccountUpdatedEvent {
  id: string;
  object: 'event';
  type: 'account.updated';
  created: number;
  data: {
    object: {
      id: string;
      object: 'account';
      email: string | null;
      business_name: string | null;
      first_name: string | null;
      last_name: string | null;
    };
    previous_attributes: { email: string | null };
  };
  upload_batch: string | null;
  /** Present (true) on the events a batch rollback emits. */
  rollback?: true;
}

/** The event body of SPEC.md, "Webhooks". */
export function accountUpdatedEvent(
  account: AccountEventData,
  previousEmail: string | null,
  batchId: string | null,
  at: Date,
): AccountUpdatedEvent {
  return {
    id: newId('evt'),
    object: 'event',
    type: 'account.updated',
    created: Math.floor(at.getTime() / 1000),
    data: {
      object: {
        id: account.id,
        object: 'account',
        email: account.email,
        business_name: account.businessName,
        first_name: account.firstName,
        last_name: account.lastName,
      },
      previous_attributes: { email: previousEmail },
    },
    upload_batch: batchId,
  };
}

const EVENT_COLUMNS = ['id', 'platform_id', 'type', 'account_id', 'batch_id', 'row_number', 'payload', 'created_at'];

/**
 * Records events in the outbox, in the caller's transaction: the change and
 * its event commit together or not at all.
 */
export async function recordEvents(
  tx: SqlTx,
  platformId: string,
  events: Array<{ event: AccountUpdatedEvent; rowNumber: number | null }>,
  at: Date,
): Promise<void> {
  const rows: SqlValue[][] = events.map(({ event, rowNumber }) => [
    event.id,
    platformId,
    event.type,
    event.data.object.id,
    event.upload_batch,
    rowNumber,
    JSON.stringify(event),
    at,
  ]);
  await tx.insertMany('event', EVENT_COLUMNS, rows);
  const byType = new Map<string, number>();
  for (const { event } of events) byType.set(event.type, (byType.get(event.type) ?? 0) + 1);
  for (const [type, n] of byType) await addEventCount(tx, platformId, type, n);
}

/** SQL expressions (columns of the caller's query) holding the fields of an `account.updated` event. */
export interface AccountEventColumns {
  /** The event id, `evt_…`. */
  id: string;
  /** Epoch seconds, an integer expression. */
  created: string;
  accountId: string;
  email: string;
  businessName: string;
  firstName: string;
  lastName: string;
  previousEmail: string;
  batchId: string;
}

/**
 * The SQL expression of the event body, for bulk paths that write events with
 * `insert … select`: the same bytes as `JSON.stringify(accountUpdatedEvent(…))`
 * (same keys, same order, no spaces; `jsonQuote` is the dialect's JSON.stringify of a value).
 * A rollback's events add `"rollback":true` after `upload_batch` (SPEC.md, "Webhooks").
 */
export function accountUpdatedEventSql(jsonQuote: (expr: string) => string, c: AccountEventColumns, options: { rollback?: boolean } = {}): string {
  return [
    `'{"id":' || ${jsonQuote(c.id)}`,
    `',"object":"event","type":"account.updated","created":' || ${c.created}`,
    `',"data":{"object":{"id":' || ${jsonQuote(c.accountId)}`,
    `',"object":"account","email":' || ${jsonQuote(c.email)}`,
    `',"business_name":' || ${jsonQuote(c.businessName)}`,
    `',"first_name":' || ${jsonQuote(c.firstName)}`,
    `',"last_name":' || ${jsonQuote(c.lastName)}`,
    `'},"previous_attributes":{"email":' || ${jsonQuote(c.previousEmail)}`,
    `'}},"upload_batch":' || ${jsonQuote(c.batchId)} || '${options.rollback ? ',"rollback":true}' : '}'}'`,
  ].join(' || ');
}
