import type { SqlTx } from '../../../db/sql.js';
import type { AccountRow } from '../../accounts/account.row.js';
import { isEligibleStatus } from '../../accounts/connected-account.entity.js';
import { type AccountSnapshot, type ClassifiedRow, classifyPrepared } from '../pipeline/rules.js';
import { type PackedRows, PackedRowsReader } from './packed-rows.js';

type AccountRecord = Pick<AccountRow, 'id' | 'business_name' | 'first_name' | 'last_name' | 'email' | 'user_claimed_email' | 'status'>;

/** One set-based lookup of every account a chunk names, scoped to the platform. */
export async function lookupAccounts(tx: Pick<SqlTx, 'query' | 'anyOf'>, platformId: string, ids: string[]): Promise<Map<string, AccountSnapshot>> {
  const found = new Map<string, AccountSnapshot>();
  if (ids.length === 0) return found;
  // One array parameter: the statement text is the same for every chunk, so it is
  // prepared once, and PostgreSQL does not parse 1,000 placeholders per chunk.
  const rows = await tx.query<AccountRecord>(
    `select id, business_name, first_name, last_name, email, user_claimed_email, status
       from connected_account where platform_id = $1 and id ${tx.anyOf(2)}`,
    [platformId, ids],
  );
  for (const r of rows) {
    found.set(r.id, {
      id: r.id,
      businessName: r.business_name,
      firstName: r.first_name,
      lastName: r.last_name,
      email: r.email,
      userClaimedEmail: Boolean(r.user_claimed_email),
      eligible: isEligibleStatus(r.status),
    });
  }
  return found;
}

export interface ClassifiedChunkRow extends ClassifiedRow {
  businessName: string | null;
}

/** Classifies a chunk of prepared rows (from the parse worker) against the platform's accounts. */
export async function classifyChunk(tx: Pick<SqlTx, 'query' | 'anyOf'>, platformId: string, packed: PackedRows): Promise<ClassifiedChunkRow[]> {
  const rows = new PackedRowsReader(packed);
  const ids = new Set<string>();
  for (let i = 0; i < rows.count; i++) {
    const id = rows.lookupId(i);
    if (id !== null) ids.add(id);
  }
  const accounts = await lookupAccounts(tx, platformId, [...ids]);
  const out = new Array<ClassifiedChunkRow>(rows.count);
  for (let i = 0; i < rows.count; i++) {
    const id = rows.lookupId(i);
    const account = id === null ? undefined : accounts.get(id);
    const classified = classifyPrepared(rows.row(i), account) as ClassifiedChunkRow;
    classified.businessName = account ? account.businessName : rows.typedBusinessName(i);
    out[i] = classified;
  }
  return out;
}
