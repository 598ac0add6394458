import { conflict, notFound } from '../../../graphql/errors.js';
import type { Services } from '../../../services.js';
import { auditActor, recordAudit } from '../../audit/audit.store.js';
import type { Principal } from '../../auth/principal.js';
import { batchFromRecord } from '../batch.mapper.js';
import { findBatch, refusal } from '../batch.service.js';
import { batchTopic } from '../batch.topics.js';
import type { UploadBatchType } from '../batch.types.js';
import { UploadBatchStatus } from '../lifecycle/batch-status.js';
import { transition } from '../store/batch.store.js';
import { startChunkedJob } from '../chunked-job.js';

export interface RollbackPreview {
  restorable: number;
  conflicts: number;
  availableUntil: Date;
}

/** Until when a COMPLETED batch may be rolled back (ROLLBACK_WINDOW_DAYS after completion). */
export function rollbackDeadline(services: Services, batch: UploadBatchType): Date | null {
  return batch.completedAt ? new Date(batch.completedAt.getTime() + services.env.ROLLBACK_WINDOW_DAYS * 86_400_000) : null;
}

/**
 * What a rollback would do now, counted in one set-based statement: applied
 * rows whose account still holds what this batch set (restorable), and the
 * others (conflicts). Null when the batch cannot be rolled back.
 */
export async function rollbackPreview(services: Services, batch: UploadBatchType, now = new Date()): Promise<RollbackPreview | null> {
  if (batch.status !== UploadBatchStatus.COMPLETED || batch.summary.applied === 0) return null;
  const until = rollbackDeadline(services, batch);
  if (!until || until <= now) return null;
  const [r] = await services.db.query<{ n: number | string; restorable: number | string | null }>(
    `select count(*) as n,
            sum(case when a.id is not null and a.email is not distinct from r.new_email
                      and (r.applied_version is null or a.version = r.applied_version) then 1 else 0 end) as restorable
       from batch_row r left join connected_account a on a.platform_id = $2 and a.id = r.account_id
      where r.batch_id = $1 and r.apply_status = 'APPLIED'`,
    [batch.id, batch.platformId],
  );
  const restorable = Number(r.restorable ?? 0);
  return { restorable, conflicts: Number(r.n) - restorable, availableUntil: until };
}

/**
 * COMPLETED → ROLLING_BACK (once, inside the window), then the rollback job.
 * One transaction for the status change (the audit log joins it).
 */
export async function startRollback(services: Services, principal: Principal, id: string): Promise<UploadBatchType> {
  const batch = await findBatch(services.db, principal.platformId, id);
  if (!batch) throw notFound('Upload batch');
  if (batch.status === UploadBatchStatus.ROLLING_BACK || batch.status === UploadBatchStatus.ROLLED_BACK) {
    throw conflict(`This batch is ${batch.status}: a batch is rolled back once.`);
  }
  if (batch.status !== UploadBatchStatus.COMPLETED) throw conflict(refusal(batch.status, 'rollback'));
  const now = new Date();
  const until = rollbackDeadline(services, batch);
  if (!until || until <= now) {
    throw conflict(
      `The rollback window of ${services.env.ROLLBACK_WINDOW_DAYS} days after completion closed on ${until?.toISOString() ?? 'an unknown date'}.`,
    );
  }
  if (batch.summary.applied === 0) throw conflict('Nothing to roll back: no row of this batch was applied.');
  const moved = await services.db.transaction(async (tx) => {
    const r = await transition(tx, id, 'rollback', { platformId: principal.platformId, actor: principal.actor, now });
    if (r) {
      await recordAudit(tx, {
        platformId: principal.platformId,
        actor: auditActor(principal),
        action: 'batch.rolled_back',
        target: id,
        details: { applied: r.applied },
        at: now,
      });
    }
    return r;
  });
  if (!moved) {
    const current = await findBatch(services.db, principal.platformId, id);
    if (!current) throw notFound('Upload batch');
    throw conflict(refusal(current.status, 'rollback'));
  }
  const result = batchFromRecord(moved);
  services.logger.info({ batchId: id, by: principal.actor }, 'upload batch rollback started');
  services.pubsub.publish(batchTopic(id), result);
  await startChunkedJob(services, 'rollback', id);
  return result;
}
