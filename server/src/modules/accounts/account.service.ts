import type { EntityManager } from '@mikro-orm/core';
import type { SqlDatabase, SqlValue } from '../../db/sql.js';
import { badInput } from '../../graphql/errors.js';
import { type Connection, decodeCursor, toConnection } from '../../graphql/relay.js';
import type { ConnectedAccountFilter, ConnectedAccountType } from './account.types.js';
import { ACCOUNT_COLUMNS, type AccountRow, accountFromRow } from './account.row.js';
import { ConnectedAccount } from './connected-account.entity.js';

const INELIGIBLE_SQL = `status in ('closed', 'rejected')`;

/** The GraphQL view of an account. */
export function toAccountType(a: ConnectedAccount): ConnectedAccountType {
  return {
    id: a.id,
    businessName: a.businessName ?? null,
    firstName: a.firstName ?? null,
    lastName: a.lastName ?? null,
    email: a.email ?? null,
    userClaimedEmail: a.userClaimedEmail,
    eligible: a.eligible,
    status: a.status,
    updatedAt: a.updatedAt,
  };
}

/**
 * Longest search string. SQLite refuses LIKE patterns past its own limit (50,000 bytes by default)
 * with an internal error, and no name, id or email is anywhere near this long.
 */
export const MAX_SEARCH_CHARS = 200;

/** LIKE pattern matching `text` literally (the same escape on both dialects). */
function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Lists a platform's accounts in id order, keyset-paginated. Plain SQL: the
 * case-insensitive search must read the same on SQLite and PostgreSQL.
 */
export async function listAccounts(
  db: SqlDatabase,
  platformId: string,
  args: { first: number; after?: string | null; filter?: ConnectedAccountFilter | null },
): Promise<Connection<ConnectedAccountType>> {
  const params: SqlValue[] = [platformId];
  const where = ['platform_id = $1'];
  const f = args.filter;
  if (f?.missingEmail === true) where.push('email is null');
  if (f?.missingEmail === false) where.push('email is not null');
  if (f?.eligible === true) where.push(`not (${INELIGIBLE_SQL})`);
  if (f?.eligible === false) where.push(INELIGIBLE_SQL);
  const search = f?.search?.trim();
  if (search && search.length > MAX_SEARCH_CHARS) {
    throw badInput(`The search is ${search.length} characters long; at most ${MAX_SEARCH_CHARS} are allowed.`, {
      argument: 'filter.search',
      maxLength: MAX_SEARCH_CHARS,
    });
  }
  if (search) {
    params.push(likeContains(search.toLowerCase()));
    const p = `$${params.length}`;
    const cols = ['id', 'business_name', 'first_name', 'last_name', 'email'];
    where.push(`(${cols.map((c) => `lower(${c}) like ${p} escape '\\'`).join(' or ')})`);
  }
  const filtered = where.join(' and ');
  const [{ n }] = await db.query<{ n: number | string }>(
    `select count(*) as n from connected_account where ${filtered}`,
    params,
  );
  const pageParams = [...params];
  let pageWhere = filtered;
  if (args.after) {
    pageParams.push(decodeCursor(args.after));
    pageWhere += ` and id > $${pageParams.length}`;
  }
  pageParams.push(args.first + 1);
  const rows = await db.query<AccountRow>(
    `select ${ACCOUNT_COLUMNS} from connected_account where ${pageWhere} order by id limit $${pageParams.length}`,
    pageParams,
  );
  return toConnection(rows.map(accountFromRow), args.first, (a) => a.id, Number(n));
}

export async function getAccount(em: EntityManager, platformId: string, id: string): Promise<ConnectedAccount | null> {
  return em.findOne(ConnectedAccount, { platformId, id });
}
