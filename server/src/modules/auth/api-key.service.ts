import type { SqlDatabase, SqlTx } from '../../db/sql.js';
import { badInput, notFound } from '../../graphql/errors.js';
import { newId, sha256Hex } from '../../ids.js';
import type { Services } from '../../services.js';
import { auditActor, recordAudit } from '../audit/audit.store.js';
import { toDate } from '../webhooks/webhook.mapper.js';
import { apiKeyPrefix, newApiKeySecret } from './auth.service.js';
import { endConnections } from './auth.topics.js';
import type { Principal } from './principal.js';

export const MAX_KEY_NAME = 100;

/** An API key as people see it: never the secret, never its hash. */
export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  createdBy: string | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

interface KeyRecord {
  id: string;
  name: string | null;
  prefix: string;
  created_at: unknown;
  created_by: string | null;
  last_used_at: unknown;
  revoked_at: unknown;
}

const COLUMNS = 'id, name, prefix, created_at, created_by, last_used_at, revoked_at';

function view(r: KeyRecord): ApiKeyView {
  return {
    id: r.id,
    // Keys made by the command line before keys had names.
    name: r.name ?? 'Unnamed key',
    prefix: r.prefix,
    createdAt: toDate(r.created_at) ?? new Date(0),
    createdBy: r.created_by,
    lastUsedAt: toDate(r.last_used_at),
    revokedAt: toDate(r.revoked_at),
  };
}

async function keyRecord(db: SqlDatabase | SqlTx, platformId: string, id: string): Promise<KeyRecord | null> {
  const [r] = await db.query<KeyRecord>(`select ${COLUMNS} from api_key where id = $1 and platform_id = $2`, [id, platformId]);
  return r ?? null;
}

/** The platform's keys, revoked ones included, newest first. */
export async function listApiKeys(db: SqlDatabase, platformId: string): Promise<ApiKeyView[]> {
  const rows = await db.query<KeyRecord>(`select ${COLUMNS} from api_key where platform_id = $1 order by created_at desc, id desc`, [
    platformId,
  ]);
  return rows.map(view);
}

/** Creates a named key; the secret is returned here once and only its SHA-256 is stored. */
export async function createNamedApiKey(
  services: Services,
  principal: Principal,
  rawName: string,
): Promise<{ apiKey: ApiKeyView; secret: string }> {
  const name = rawName.trim();
  if (!name) throw badInput('Give the key a name, for example the integration that will use it.', { field: 'name' });
  if (name.length > MAX_KEY_NAME) throw badInput(`The name is longer than ${MAX_KEY_NAME} characters.`, { field: 'name' });
  const secret = newApiKeySecret();
  const id = newId('key');
  const actor = auditActor(principal);
  const record = await services.db.transaction(async (tx) => {
    await tx.execute(
      'insert into api_key (id, platform_id, prefix, key_hash, name, created_by, created_at) values ($1, $2, $3, $4, $5, $6, $7)',
      [id, principal.platformId, apiKeyPrefix(secret), sha256Hex(secret), name, actor, new Date()],
    );
    await recordAudit(tx, {
      platformId: principal.platformId,
      actor,
      action: 'api_key.created',
      target: apiKeyPrefix(secret),
      details: { id, name },
    });
    return (await keyRecord(tx, principal.platformId, id)) as KeyRecord;
  });
  services.logger.info({ apiKeyId: id, platformId: principal.platformId }, 'API key created');
  return { apiKey: view(record), secret };
}

/**
 * Revokes a key at once: its next request is refused (requests look the key up every time) and
 * its open subscriptions are closed with 4403. Revoking a revoked key changes nothing.
 */
export async function revokeApiKey(services: Services, principal: Principal, id: string): Promise<ApiKeyView> {
  const now = new Date();
  const { record, changed } = await services.db.transaction(async (tx) => {
    const before = await keyRecord(tx, principal.platformId, id);
    if (!before) throw notFound('API key');
    if (before.revoked_at !== null) return { record: before, changed: false };
    await tx.execute('update api_key set revoked_at = $1 where id = $2 and revoked_at is null', [now, id]);
    await recordAudit(tx, {
      platformId: principal.platformId,
      actor: auditActor(principal),
      action: 'api_key.revoked',
      target: before.prefix,
      details: { id, name: before.name },
    });
    return { record: (await keyRecord(tx, principal.platformId, id)) as KeyRecord, changed: true };
  });
  if (changed) {
    endConnections(services, [id]);
    services.logger.info({ apiKeyId: id, platformId: principal.platformId }, 'API key revoked');
  }
  return view(record);
}

/** The command line's revoke, by prefix (what the dashboard shows). False when no active key has it. */
export async function revokeApiKeyByPrefix(db: SqlDatabase, prefix: string): Promise<{ revoked: boolean; ambiguous?: boolean }> {
  return db.transaction(async (tx) => {
    const rows = await tx.query<{ id: string; platform_id: string; name: string | null }>(
      'select id, platform_id, name from api_key where prefix = $1 and revoked_at is null',
      [prefix],
    );
    if (rows.length !== 1) return { revoked: false, ambiguous: rows.length > 1 };
    const [row] = rows;
    await tx.execute('update api_key set revoked_at = $1 where id = $2', [new Date(), row.id]);
    await recordAudit(tx, {
      platformId: row.platform_id,
      actor: null,
      action: 'api_key.revoked',
      target: prefix,
      details: { id: row.id, name: row.name, via: 'command line' },
    });
    return { revoked: true };
  });
}
