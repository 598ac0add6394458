import type { SqlDatabase } from '../../server/src/db/sql.js';

/** An account with chosen values, for suites whose expectations name specific accounts. */
export interface FixtureAccount {
  id: string;
  businessName: string | null;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  userClaimedEmail?: boolean;
  status?: 'active' | 'restricted' | 'closed' | 'rejected';
}

/** Inserts accounts into a platform straight through the database (the seed uses the same columns). */
export async function insertAccounts(db: SqlDatabase, platformId: string, accounts: readonly FixtureAccount[]): Promise<void> {
  const now = new Date();
  await db.transaction((tx) =>
    tx.insertMany(
      'connected_account',
      ['platform_id', 'id', 'business_name', 'first_name', 'last_name', 'email', 'user_claimed_email', 'status', 'version', 'updated_at'],
      accounts.map((a) => [
        platformId,
        a.id,
        a.businessName,
        a.firstName,
        a.lastName,
        a.email,
        a.userClaimedEmail ?? false,
        a.status ?? 'active',
        1,
        now,
      ]),
    ),
  );
}
