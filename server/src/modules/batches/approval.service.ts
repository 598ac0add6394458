import { badInput, conflict, forbidden, notFound } from '../../graphql/errors.js';
import type { Services } from '../../services.js';
import { auditActor, recordAudit } from '../audit/audit.store.js';
import type { Principal } from '../auth/principal.js';
import { Role } from '../auth/dashboard-user.entity.js';
import { readSettings } from '../platforms/platform-settings.store.js';
import { issueBit } from './batch-row.codes.js';
import { batchFromRecord } from './batch.mapper.js';
import { findBatch, refusal } from './batch.service.js';
import { startChunkedJob } from './chunked-job.js';
import { batchTopic } from './batch.topics.js';
import type { UploadBatchType } from './batch.types.js';
import { UploadBatchStatus } from './lifecycle/batch-status.js';
import { canTransition } from './lifecycle/transitions.js';
import { transition } from './store/batch.store.js';

/** A decline reason is shown in the history and the dashboard; long enough for a paragraph. */
export const MAX_DECLINE_REASON = 1_000;

const CLAIMED_BIT = issueBit('CLAIMED_EMAIL_REPLACED');

/** Applicable rows (ADD, REPLACE) that replace an email its holder claimed. */
async function claimedReplacements(services: Services, batch: UploadBatchType): Promise<number> {
  if (batch.rowHistogram) {
    let n = 0;
    for (const [change, mask, rows] of batch.rowHistogram) {
      if ((change === 'ADD' || change === 'REPLACE') && (mask & CLAIMED_BIT) !== 0) n += rows;
    }
    return n;
  }
  // Batches validated before the histogram: the problem rows' partial index bounds the walk.
  const [r] = await services.db.query<{ n: number | string }>(
    `select count(*) as n from batch_row where batch_id = $1 and issue_mask <> 0 and (issue_mask & $2) <> 0 and change in ('ADD', 'REPLACE')`,
    [batch.id, CLAIMED_BIT],
  );
  return Number(r.n);
}

/**
 * Why this batch needs a second ADMIN under its platform's policy (SPEC.md,
 * "Approval (four eyes)"), in words for the history; null when confirm applies it.
 */
export async function approvalReason(services: Services, batch: UploadBatchType): Promise<string | null> {
  const settings = await readSettings(services.db, batch.platformId);
  if (settings.approvalPolicy === 'NONE') return null;
  if (settings.approvalPolicy === 'ALWAYS') return 'The platform requires approval for every batch.';
  const changes = batch.summary.additions + batch.summary.replacements;
  const threshold = settings.approvalThreshold ?? 0;
  if (changes > threshold) {
    return `${changes.toLocaleString('en')} additions and replacements exceed the approval threshold of ${threshold.toLocaleString('en')}.`;
  }
  const claimed = await claimedReplacements(services, batch);
  if (claimed > 0) return `${claimed.toLocaleString('en')} ${claimed === 1 ? 'row replaces an email' : 'rows replace emails'} the holder claimed.`;
  return null;
}

/**
 * Confirm under a policy that asks for approval: VALIDATED → AWAITING_APPROVAL,
 * the requester recorded (`confirmed_by`) so they cannot approve it themselves.
 * One transaction (the audit log joins it). A second confirm gets the batch as it is.
 */
export async function requestApproval(services: Services, principal: Principal, batch: UploadBatchType, reason: string): Promise<UploadBatchType> {
  const now = new Date();
  const moved = await services.db.transaction(async (tx) => {
    const r = await transition(tx, batch.id, 'requestApproval', {
      platformId: principal.platformId,
      actor: principal.actor,
      note: reason,
      notExpiredAt: now,
      now,
      set: { confirmed_at: now, confirmed_by: principal.subjectId },
    });
    return r;
  });
  if (!moved) {
    const current = await findBatch(services.db, principal.platformId, batch.id);
    if (!current) throw notFound('Upload batch');
    if (current.status === UploadBatchStatus.AWAITING_APPROVAL || current.status === UploadBatchStatus.APPLYING) return current;
    throw conflict(refusal(current.status, 'requestApproval', canTransition(current.status, 'requestApproval') && current.expiresAt <= now));
  }
  const result = batchFromRecord(moved);
  services.logger.info({ batchId: batch.id, by: principal.actor, reason }, 'upload batch awaits approval');
  services.pubsub.publish(batchTopic(batch.id), result);
  return result;
}

/** Approval takes a person: an ADMIN dashboard user. Each refusal says why. */
function assertCanDecide(principal: Principal, verb: 'approve' | 'decline'): void {
  if (principal.kind !== 'user') {
    throw forbidden(
      `Approval takes a person: an API key can confirm a batch but cannot ${verb} one. An ADMIN of your platform ${verb}s it in the dashboard.`,
    );
  }
  if (principal.role !== Role.ADMIN) throw forbidden(`Only an ADMIN can ${verb} a batch; your role is ${principal.role}.`);
}

async function batchAwaitingDecision(services: Services, principal: Principal, id: string, verb: 'approve' | 'decline') {
  assertCanDecide(principal, verb);
  const batch = await findBatch(services.db, principal.platformId, id);
  if (!batch) throw notFound('Upload batch');
  if (batch.status !== UploadBatchStatus.AWAITING_APPROVAL) throw conflict(refusal(batch.status, verb));
  if (batch.confirmedBy === principal.subjectId) {
    throw forbidden(
      `You asked for this approval, so another ADMIN must ${verb} it (four eyes). You can still cancel the batch.`,
    );
  }
  return batch;
}

/** AWAITING_APPROVAL → APPLYING by an ADMIN user other than the requester; the apply job starts. */
export async function approveBatch(services: Services, principal: Principal, id: string): Promise<UploadBatchType> {
  await batchAwaitingDecision(services, principal, id, 'approve');
  const now = new Date();
  const moved = await services.db.transaction(async (tx) => {
    const r = await transition(tx, id, 'approve', { platformId: principal.platformId, actor: principal.actor, notExpiredAt: now, now });
    if (r) {
      await recordAudit(tx, {
        platformId: principal.platformId,
        actor: auditActor(principal),
        action: 'batch.approved',
        target: id,
        details: { additions: r.additions, replacements: r.replacements },
        at: now,
      });
    }
    return r;
  });
  if (!moved) {
    const current = await findBatch(services.db, principal.platformId, id);
    if (!current) throw notFound('Upload batch');
    throw conflict(refusal(current.status, 'approve', canTransition(current.status, 'approve') && current.expiresAt <= now));
  }
  const batch = batchFromRecord(moved);
  services.logger.info({ batchId: id, by: principal.actor }, 'upload batch approved');
  services.pubsub.publish(batchTopic(id), batch);
  await startChunkedJob(services, 'apply', id);
  return batch;
}

/** AWAITING_APPROVAL → DECLINED with a reason (kept in the history's note). Nothing is applied. */
export async function declineBatch(services: Services, principal: Principal, id: string, reason: string): Promise<UploadBatchType> {
  const why = reason.trim();
  assertCanDecide(principal, 'decline');
  if (why === '') throw badInput('Give a reason for declining: the requester sees it in the batch history.', { field: 'reason' });
  if (why.length > MAX_DECLINE_REASON) {
    throw badInput(`The reason is too long: at most ${MAX_DECLINE_REASON.toLocaleString('en')} characters.`, { field: 'reason' });
  }
  await batchAwaitingDecision(services, principal, id, 'decline');
  const now = new Date();
  const moved = await services.db.transaction(async (tx) => {
    const r = await transition(tx, id, 'decline', { platformId: principal.platformId, actor: principal.actor, note: why, now });
    if (r) {
      await recordAudit(tx, { platformId: principal.platformId, actor: auditActor(principal), action: 'batch.declined', target: id, details: { reason: why }, at: now });
    }
    return r;
  });
  if (!moved) {
    const current = await findBatch(services.db, principal.platformId, id);
    if (!current) throw notFound('Upload batch');
    throw conflict(refusal(current.status, 'decline'));
  }
  const batch = batchFromRecord(moved);
  services.logger.info({ batchId: id, by: principal.actor }, 'upload batch declined');
  services.pubsub.publish(batchTopic(id), batch);
  return batch;
}
