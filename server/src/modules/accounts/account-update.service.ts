import { badInput, conflict, notFound } from '../../graphql/errors.js';
import type { Services } from '../../services.js';
import { emailsEqual, normalizeEmail } from '../batches/pipeline/email.js';
import { accountUpdatedEvent, recordEvents } from '../events/account-event.js';
import { nudgeWebhooks } from '../webhooks/webhook.topics.js';
import type { ConnectedAccountType } from './account.types.js';
import { ACCOUNT_COLUMNS, type AccountRow, accountFromRow } from './account.row.js';
import { isEligibleStatus } from './connected-account.entity.js';

/** Reads and optimistic updates of one edit before it gives up with CONFLICT. */
const MAX_ATTEMPTS = 5;

/**
 * Edits one account's email through the upload rules and records the same
 * `account.updated` event, in one transaction. An unchanged email records nothing.
 */
export async function updateAccountEmail(
  services: Services,
  platformId: string,
  id: string,
  input: { email?: string | null },
): Promise<ConnectedAccountType> {
  let email: string | null = null;
  if (input.email !== null && input.email !== undefined && input.email.trim() !== '') {
    const check = normalizeEmail(input.email);
    if (!check.ok) throw badInput(check.refusal.text, { field: 'email', code: 'BAD_USER_INPUT', issue: 'INVALID_EMAIL' });
    email = check.email;
  }
  // Optimistic: the update holds only if the account is still the version read. An apply (or
  // another edit) committing in between makes it match nothing; then read again and retry, and
  // record the event only for the update that changed the row, with what it really replaced.
  for (let attempt = 1; ; attempt++) {
    const updated = await services.db.transaction(async (tx) => {
      const [before] = await tx.query<AccountRow>(`select ${ACCOUNT_COLUMNS} from connected_account where platform_id = $1 and id = $2`, [platformId, id]);
      if (!before) throw notFound('Connected account');
      if (!isEligibleStatus(before.status)) {
        throw badInput('This account is closed or rejected and cannot receive communications.', { issue: 'ACCOUNT_NOT_ELIGIBLE' });
      }
      const same = before.email === null ? email === null : email !== null && emailsEqual(before.email, email);
      if (same) return { account: accountFromRow(before), changed: false };
      const now = new Date();
      const changed = await tx.execute(
        'update connected_account set email = $1, version = version + 1, updated_at = $2 where platform_id = $3 and id = $4 and version = $5',
        [email, now, platformId, id, before.version],
      );
      if (changed !== 1) return null;
      const after: AccountRow = { ...before, email, version: before.version + 1, updated_at: now };
      const event = accountUpdatedEvent(
        { id, email, businessName: before.business_name, firstName: before.first_name, lastName: before.last_name },
        before.email,
        null,
        now,
      );
      await recordEvents(tx, platformId, [{ event, rowNumber: null }], now);
      services.logger.info({ accountId: id, platformId, eventId: event.id }, 'account email updated');
      return { account: accountFromRow(after), changed: true };
    });
    if (updated) {
      if (updated.changed) nudgeWebhooks(services);
      return updated.account;
    }
    services.logger.info({ accountId: id, attempt }, 'account changed while it was being updated; reading it again');
    if (attempt >= MAX_ATTEMPTS) throw conflict('This account kept changing while it was being updated (a bulk apply is running). Try again in a moment.');
  }
}
