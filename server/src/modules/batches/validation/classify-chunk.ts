import type { SqlTx, SqlValue } from '../../../db/sql.js';
import type { AccountRow } from '../../accounts/account.row.js';
import { isEligibleStatus } from '../../accounts/connected-account.entity.js';
import type { ColumnMap } from '../pipeline/headers.js';
import { readRow } from '../pipeline/headers.js';
import type { ParsedRow } from '../pipeline/parse.js';
import { unneutralizeCell } from '../pipeline/formula.js';
import { type AccountSnapshot, type ClassifiedRow, classifyRow, parseAccountId } from '../pipeline/rules.js';

type AccountRecord = Pick<AccountRow, 'id' | 'business_name' | 'first_name' | 'last_name' | 'email' | 'user_claimed_email' | 'status'>;

/** One set-based lookup of every account a chunk names, scoped to the platform. */
export async function lookupAccounts(tx: Pick<SqlTx, 'query'>, platformId: string, ids: string[]): Promise<Map<string, AccountSnapshot>> {
  const found = new Map<string, AccountSnapshot>();
  if (ids.length === 0) return found;
  const params: SqlValue[] = [platformId, ...ids];
  const marks = ids.map((_, i) => `$${i + 2}`).join(', ');
  const rows = await tx.query<AccountRecord>(
    `select id, business_name, first_name, last_name, email, user_claimed_email, status
       from connected_account where platform_id = $1 and id in (${marks})`,
    params,
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

/** Classifies a chunk of parsed rows against the platform's accounts. */
export async function classifyChunk(
  tx: Pick<SqlTx, 'query'>,
  platformId: string,
  columns: ColumnMap,
  chunk: ParsedRow[],
): Promise<ClassifiedChunkRow[]> {
  const raws = chunk.map((r) => readRow(r.cells, columns));
  const ids = new Set<string>();
  for (const raw of raws) {
    const id = parseAccountId(raw.accountId);
    if (id) ids.add(id);
  }
  const accounts = await lookupAccounts(tx, platformId, [...ids]);
  return chunk.map((parsed, i) => {
    const raw = raws[i];
    const id = parseAccountId(raw.accountId);
    const account = id ? accounts.get(id) : undefined;
    const row = classifyRow(parsed.rowNumber, raw, account);
    const typedName = raw.businessName ? unneutralizeCell(raw.businessName).trim() || null : null;
    return { ...row, businessName: account?.businessName ?? typedName };
  });
}
