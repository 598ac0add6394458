import type { EntityManager } from '@mikro-orm/core';
import type { SqlDatabase, SqlReads, SqlValue } from '../../db/sql.js';
import { newId } from '../../ids.js';
import { seedAccounts } from '../accounts/seed-data.js';
import { createApiKey, createUser } from '../auth/auth.service.js';
import { Role } from '../auth/dashboard-user.entity.js';
import { Platform } from './platform.entity.js';

const ACCOUNT_COLUMNS = [
  'platform_id',
  'id',
  'business_name',
  'first_name',
  'last_name',
  'email',
  'user_claimed_email',
  'status',
  'version',
  'updated_at',
];

/** Inserts the deterministic demo accounts in chunks, each chunk one transaction. */
export async function seedPlatformAccounts(
  db: SqlDatabase,
  platform: { id: string; name: string },
  count: number,
): Promise<void> {
  const CHUNK = 10_000;
  const now = new Date();
  let rows: SqlValue[][] = [];
  const flush = async () => {
    const batch = rows;
    rows = [];
    await db.transaction((tx) => tx.insertMany('connected_account', ACCOUNT_COLUMNS, batch));
  };
  for (const a of seedAccounts(platform.name, count)) {
    rows.push([platform.id, a.id, a.businessName, a.firstName, a.lastName, a.email, a.userClaimedEmail, a.status, 1, now]);
    if (rows.length === CHUNK) await flush();
  }
  if (rows.length > 0) await flush();
  await db.analyze('connected_account');
}

export interface CreatedPlatform {
  platformId: string;
  apiKey: string;
  admin: { email: string; password: string };
}

/** Creates a platform with an API key, an ADMIN user and `accounts` demo accounts. */
export async function createPlatform(
  em: EntityManager,
  db: SqlDatabase,
  input: { name: string; accounts: number; adminEmail?: string; adminPassword?: string },
): Promise<CreatedPlatform> {
  const platform = em.create(Platform, { id: newId('plat'), name: input.name });
  await em.flush();
  const slug = input.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'platform';
  const admin = await createUser(em, {
    platformId: platform.id,
    email: input.adminEmail ?? `admin+${platform.id.slice(5, 13).toLowerCase()}@${slug}.example`,
    role: Role.ADMIN,
    password: input.adminPassword,
  });
  const apiKey = await createApiKey(em, platform.id);
  await seedPlatformAccounts(db, platform, input.accounts);
  return { platformId: platform.id, apiKey, admin };
}

/**
 * A platform's id and name by id, on the read lane (`db.reads`): one prepared statement, not an
 * ORM look-up. `viewer` asks it on every dashboard page and is the small query of issue 19's
 * concurrency bench; null when there is no such platform.
 */
export async function findPlatformName(reads: SqlReads, id: string): Promise<{ id: string; name: string } | null> {
  const [row] = await reads.query<{ id: string; name: string }>('select id, name from platform where id = $1', [id]);
  return row ?? null;
}
