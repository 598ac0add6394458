import { badInput } from '../../graphql/errors.js';
import type { Services } from '../../services.js';
import { auditActor, recordAudit } from '../audit/audit.store.js';
import type { Principal } from '../auth/principal.js';
import { type PlatformSettingsRecord, readSettings, writeSettings } from './platform-settings.store.js';
import type { UpdatePlatformSettingsInput } from './platform-settings.types.js';

/** The largest threshold accepted: beyond any file the server takes. */
const MAX_THRESHOLD = 100_000_000;

export function platformSettings(services: Services, platformId: string): Promise<PlatformSettingsRecord> {
  return readSettings(services.db, platformId);
}

/**
 * Changes the platform's settings (ADMIN; the resolver checks the role). Unset
 * fields keep their value; ABOVE_THRESHOLD needs a threshold. One transaction,
 * so the audit-log entry of this change can join it.
 */
export async function updatePlatformSettings(
  services: Services,
  principal: Principal,
  input: UpdatePlatformSettingsInput,
): Promise<PlatformSettingsRecord> {
  const threshold = input.approvalThreshold;
  if (threshold !== undefined && threshold !== null && (!Number.isInteger(threshold) || threshold < 0 || threshold > MAX_THRESHOLD)) {
    throw badInput(`approvalThreshold must be a whole number from 0 to ${MAX_THRESHOLD.toLocaleString('en')}.`, { field: 'approvalThreshold' });
  }
  const saved = await services.db.transaction(async (tx) => {
    const before = await readSettings(tx, principal.platformId);
    const next = {
      approvalPolicy: input.approvalPolicy ?? before.approvalPolicy,
      approvalThreshold: threshold === undefined ? before.approvalThreshold : threshold,
    };
    if (next.approvalPolicy === 'ABOVE_THRESHOLD' && next.approvalThreshold === null) {
      throw badInput('ABOVE_THRESHOLD needs an approvalThreshold: the number of additions + replacements above which a batch needs approval.', {
        field: 'approvalThreshold',
      });
    }
    const now = new Date();
    await writeSettings(tx, principal.platformId, next, principal.actor, now);
    await recordAudit(tx, {
      platformId: principal.platformId,
      actor: auditActor(principal),
      action: 'settings.updated',
      target: 'approval policy',
      details: {
        before: { approvalPolicy: before.approvalPolicy, approvalThreshold: before.approvalThreshold },
        after: next,
      },
      at: now,
    });
    return { ...next, updatedAt: now, updatedBy: principal.actor, before };
  });
  services.logger.info(
    { platformId: principal.platformId, by: principal.actor, approvalPolicy: saved.approvalPolicy, approvalThreshold: saved.approvalThreshold },
    'platform settings updated',
  );
  const { before: _before, ...settings } = saved;
  return settings;
}
