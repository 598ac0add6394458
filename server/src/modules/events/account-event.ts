import { applyStatusSql, type RowApplyStatus } from '../batches/batch-row.codes.js';
import { addEventCount } from './event-count.store.js';
import type { SqlTx, SqlValue } from '../../db/sql.js';
import { idRandomChars, newId, newIdRandomParts } from '../../ids.js';

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

/** The rows of one chunk of a batch job whose accounts just changed, and what their events say. */
export interface ChunkEvents {
  platformId: string;
  batchId: string;
  /** The chunk's first and last row numbers. */
  lo: number;
  hi: number;
  /** The apply status the chunk gave the rows whose account changed. */
  rowStatus: RowApplyStatus;
  /** The batch_row column holding the email the account had before: the file's current email for an apply, the new email for a rollback. */
  previousEmail: 'current_email' | 'new_email';
  rollback: boolean;
  /** How many rows changed: one event each. */
  count: number;
  at: Date;
}

/**
 * Records one `account.updated` event per changed row of a chunk, in row order, with
 * `insert … select` (the body built in SQL by {@link accountUpdatedEventSql}), and counts them.
 * Event k takes the k-th id of one bound string of random id parts (time-ordered, see
 * newIdRandomParts: the unique index on event ids stays cheap to grow). The caller compares the
 * returned count with the rows it changed.
 */
export async function recordChunkEvents(tx: SqlTx, c: ChunkEvents): Promise<number> {
  const payload = accountUpdatedEventSql(
    (expr) => tx.jsonQuote(expr),
    {
      id: 'e.id',
      created: 'cast($6 as bigint)',
      accountId: 'e.account_id',
      email: 'e.email',
      businessName: 'e.business_name',
      firstName: 'e.first_name',
      lastName: 'e.last_name',
      previousEmail: 'e.previous_email',
      batchId: 'e.batch_id',
    },
    { rollback: c.rollback },
  );
  const recorded = await tx.execute(
    `insert into event (id, platform_id, type, account_id, batch_id, row_number, is_rollback, payload, created_at)
     select e.id, $5, 'account.updated', e.account_id, e.batch_id, e.row_number, ${c.rollback ? 1 : 0}, ${payload}, $4
       from (select 'evt_' || ${tx.asciiSlice(7, `(cast(row_number() over (order by r.row_number) as integer) - 1) * ${idRandomChars} + 1`, idRandomChars)} as id,
                    r.batch_id, r.row_number, r.${c.previousEmail} as previous_email,
                    a.id as account_id, a.email, a.business_name, a.first_name, a.last_name
               from batch_row r join connected_account a on a.platform_id = $5 and a.id = r.account_id
              where r.batch_id = $1 and r.row_number between $2 and $3 and r.apply_status = ${applyStatusSql(c.rowStatus)}) e
      order by e.row_number`,
    [c.batchId, c.lo, c.hi, c.at, c.platformId, Math.floor(c.at.getTime() / 1000), Buffer.from(newIdRandomParts(c.count, c.at), 'latin1')],
  );
  await addEventCount(tx, c.platformId, 'account.updated', recorded);
  return recorded;
}
