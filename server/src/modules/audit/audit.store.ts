import type { SqlDatabase, SqlTx, SqlValue } from '../../db/sql.js';
import { badInput } from '../../graphql/errors.js';
import { type Connection, decodeCursor, toConnection } from '../../graphql/relay.js';
import { newId } from '../../ids.js';
import type { Principal } from '../auth/principal.js';
import type { AuditAction } from './audit.actions.js';

/**
 * The only writer of `audit_entry`. Entries are written inside the caller's transaction, so a
 * change and its entry commit (or roll back) together.
 */

/** What a caller needs of a transaction: the bulk seam's `SqlTx` (services.db.transaction) fits. */
export type AuditExecutor = Pick<SqlTx, 'execute'>;

export interface AuditInput {
  platformId: string;
  /** {@link auditActor} of the caller; null when the system acted (expiry, a job). */
  actor: string | null;
  action: AuditAction;
  /** The object changed: an id, an email, a URL — never a secret. */
  target?: string | null;
  /** What changed, stored as JSON text. Secret-looking keys and values are removed (see {@link scrubDetails}). */
  details?: Record<string, unknown> | null;
  at?: Date;
}

export interface AuditEntryRecord {
  id: string;
  at: Date;
  actor: string | null;
  action: string;
  target: string | null;
  details: string | null;
}

/** Who acted, as the log shows it: a user's email or an API key's prefix. Never the key itself. */
export function auditActor(principal: Principal): string {
  return principal.kind === 'user' ? (principal.email ?? principal.subjectId) : (principal.keyPrefix ?? principal.subjectId);
}

const SECRET_KEY = /secret|password|token|hash|authorization|cookie/i;
// A full API key, a webhook signing secret, a session or set-password token (43 base62 characters).
const SECRET_VALUE = /sk_[A-Za-z0-9]{12,}|whsec_[A-Za-z0-9+/=]{8,}|\b[A-Za-z0-9]{40,}\b/g;
const MAX_DETAILS = 4_000;

/**
 * Details without secrets: keys that name one are dropped, and values that look like one are
 * redacted, so a caller passing a whole input object cannot leak a secret into the log.
 */
export function scrubDetails(details: Record<string, unknown>): Record<string, unknown> {
  const clean = (value: unknown): unknown => {
    if (typeof value === 'string') return value.replace(SECRET_VALUE, '[redacted]');
    if (Array.isArray(value)) return value.map(clean);
    if (value && typeof value === 'object' && !(value instanceof Date)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) if (!SECRET_KEY.test(k)) out[k] = clean(v);
      return out;
    }
    return value;
  };
  return clean(details) as Record<string, unknown>;
}

/** Records one entry in the caller's transaction. */
export async function recordAudit(tx: AuditExecutor, input: AuditInput): Promise<void> {
  let details: string | null = null;
  if (input.details && Object.keys(input.details).length > 0) {
    details = JSON.stringify(scrubDetails(input.details));
    if (details.length > MAX_DETAILS) details = JSON.stringify({ truncated: true, length: details.length });
  }
  const target = input.target ? String(input.target).replace(SECRET_VALUE, '[redacted]') : null;
  await tx.execute('insert into audit_entry (id, platform_id, at, actor, action, target, details) values ($1, $2, $3, $4, $5, $6, $7)', [
    newId('aud'),
    input.platformId,
    input.at ?? new Date(),
    input.actor,
    input.action,
    target,
    details,
  ]);
}

interface Row {
  id: string;
  at: Date | string | number;
  actor: string | null;
  action: string;
  target: string | null;
  details: string | null;
}

const toDate = (v: Date | string | number) => (v instanceof Date ? v : new Date(typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v));

/** A platform's entries newest first, keyset-paginated on (at, id), optionally for one action and/or actor. */
export async function listAudit(
  db: SqlDatabase,
  platformId: string,
  args: { first: number; after?: string | null; action?: string | null; actor?: string | null },
): Promise<Connection<AuditEntryRecord>> {
  const params: SqlValue[] = [platformId];
  const where = ['platform_id = $1'];
  if (args.action) {
    params.push(args.action);
    where.push(`action = $${params.length}`);
  }
  if (args.actor) {
    params.push(args.actor);
    where.push(`actor = $${params.length}`);
  }
  const [{ n }] = await db.query<{ n: number | string }>(`select count(*) as n from audit_entry where ${where.join(' and ')}`, params);
  if (args.after) {
    const [ms, id] = decodeCursor(args.after).split('|');
    if (!id || !/^[0-9]+$/.test(ms)) throw badInput('This cursor is not an audit log cursor.', { argument: 'after' });
    params.push(new Date(Number(ms)), id);
    where.push(`(at < $${params.length - 1} or (at = $${params.length - 1} and id < $${params.length}))`);
  }
  params.push(args.first + 1);
  const rows = await db.query<Row>(
    `select id, at, actor, action, target, details from audit_entry where ${where.join(' and ')}
      order by at desc, id desc limit $${params.length}`,
    params,
  );
  const entries = rows.map((r) => ({ ...r, at: toDate(r.at) }));
  return toConnection(entries, args.first, (e) => `${e.at.getTime()}|${e.id}`, Number(n));
}

/** The distinct actors of a platform's log, for the dashboard's filter. */
export async function listAuditActors(db: SqlDatabase, platformId: string): Promise<string[]> {
  const rows = await db.query<{ actor: string }>(
    'select distinct actor from audit_entry where platform_id = $1 and actor is not null order by actor limit 500',
    [platformId],
  );
  return rows.map((r) => r.actor);
}
