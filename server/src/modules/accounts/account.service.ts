import type { EntityManager, FilterQuery } from '@mikro-orm/core';
import { type Connection, decodeCursor, toConnection } from '../../graphql/relay.js';
import type { ConnectedAccountFilter, ConnectedAccountType } from './account.types.js';
import { AccountStatus, ConnectedAccount } from './connected-account.entity.js';

const INELIGIBLE = [AccountStatus.CLOSED, AccountStatus.REJECTED];

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

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Lists a platform's accounts in id order, keyset-paginated. */
export async function listAccounts(
  em: EntityManager,
  platformId: string,
  args: { first: number; after?: string | null; filter?: ConnectedAccountFilter | null },
): Promise<Connection<ConnectedAccountType>> {
  const where: FilterQuery<ConnectedAccount> & Record<string, unknown> = { platformId };
  const f = args.filter;
  if (f?.missingEmail === true) where.email = null;
  if (f?.missingEmail === false) where.email = { $ne: null };
  if (f?.eligible === true) where.status = { $nin: INELIGIBLE };
  if (f?.eligible === false) where.status = { $in: INELIGIBLE };
  const search = f?.search?.trim();
  if (search) {
    const like = `%${escapeLike(search)}%`;
    where.$or = [
      { id: { $like: `${escapeLike(search)}%` } },
      { businessName: { $ilike: like } },
      { firstName: { $ilike: like } },
      { lastName: { $ilike: like } },
      { email: { $ilike: like } },
    ];
  }
  const totalCount = await em.count(ConnectedAccount, where);
  const page = args.after ? { ...where, id: { $gt: decodeCursor(args.after) } } : where;
  const rows = await em.find(ConnectedAccount, page, { orderBy: { id: 'asc' }, limit: args.first + 1 });
  return toConnection(rows.map(toAccountType), args.first, (a) => a.id, totalCount);
}

export async function getAccount(em: EntityManager, platformId: string, id: string): Promise<ConnectedAccount | null> {
  return em.findOne(ConnectedAccount, { platformId, id });
}
