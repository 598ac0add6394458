import type { ConnectedAccountType } from './account.types.js';
import { isEligibleStatus } from './connected-account.entity.js';

/** A `connected_account` row as plain SQL returns it (booleans and dates differ per dialect). */
export interface AccountRow {
  id: string;
  business_name: string | null;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  user_claimed_email: boolean | number;
  status: string;
  version: number;
  updated_at: Date | number;
}

/** The columns of {@link AccountRow}, for `select`. */
export const ACCOUNT_COLUMNS = 'id, business_name, first_name, last_name, email, user_claimed_email, status, version, updated_at';

/** The GraphQL view of an account row. */
export function accountFromRow(r: AccountRow): ConnectedAccountType {
  return {
    id: r.id,
    businessName: r.business_name,
    firstName: r.first_name,
    lastName: r.last_name,
    email: r.email,
    userClaimedEmail: Boolean(r.user_claimed_email),
    eligible: isEligibleStatus(r.status),
    status: r.status,
    updatedAt: new Date(r.updated_at),
  };
}
