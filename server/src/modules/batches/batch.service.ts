import type { SqlDatabase, SqlValue } from '../../db/sql.js';
import { conflict, notFound } from '../../graphql/errors.js';
import { type Connection, decodeCursor, encodeCursor, toConnection } from '../../graphql/relay.js';
import { newId } from '../../ids.js';
import type { Principal } from '../auth/principal.js';
import { approvalReason, requestApproval } from './approval.service.js';
import type { Services } from '../../services.js';
import { BATCH_COLUMNS, type BatchRecord, batchFromRecord } from './batch.mapper.js';
import { type BatchStatus, UploadBatchStatus } from './lifecycle/batch-status.js';
import { type BatchAction, canTransition } from './lifecycle/transitions.js';
import { insertBatch, listTransitions, type TransitionOptions, transition } from './store/batch.store.js';
import { batchTopic } from './batch.topics.js';
import { chunkedJobName, startChunkedJob } from './chunked-job.js';
import type { BatchTransitionType, UploadBatchType } from './batch.types.js';

export const APPLY_JOB = chunkedJobName('apply');
export const VALIDATE_JOB = 'batch.validate';

/** The batch as the caller's platform sees it, or null (another platform's batch is null too). */
export async function findBatch(db: SqlDatabase, platformId: string, id: string): Promise<UploadBatchType | null> {
  const [r] = await db.query<BatchRecord>(`select ${BATCH_COLUMNS} from upload_batch where id = $1 and platform_id = $2`, [
    id,
    platformId,
  ]);
  return r ? batchFromRecord(r) : null;
}

/** Reads the batch and publishes it to its subscribers (a snapshot, so any instance can forward it). */
export async function publishBatch(services: Services, batchId: string): Promise<UploadBatchType | null> {
  const [r] = await services.db.query<BatchRecord>(`select ${BATCH_COLUMNS} from upload_batch where id = $1`, [batchId]);
  if (!r) return null;
  const batch = batchFromRecord(r);
  services.pubsub.publish(batchTopic(batchId), batch);
  return batch;
}

/** Creates a batch awaiting its upload; the same idempotency key returns the same batch. */
export async function createBatch(
  services: Services,
  principal: Principal,
  input: { filename?: string | null; idempotencyKey?: string | null },
): Promise<UploadBatchType> {
  const { db, env } = services;
  const key = input.idempotencyKey?.trim() || null;
  const lookup = async () => {
    const [row] = await db.query<{ id: string }>('select id from upload_batch where platform_id = $1 and idempotency_key = $2', [
      principal.platformId,
      key,
    ]);
    return row ? findBatch(db, principal.platformId, row.id) : null;
  };
  if (key) {
    const existing = await lookup();
    if (existing) return existing;
  }
  const id = newId('ub');
  const now = new Date();
  const expires = new Date(now.getTime() + env.BATCH_EXPIRY_DAYS * 86_400_000);
  const filename = input.filename?.trim().slice(0, 255) || null;
  try {
    await insertBatch(db, {
      id,
      platformId: principal.platformId,
      filename,
      idempotencyKey: key,
      createdBy: principal.subjectId,
      actor: principal.actor,
      now,
      expiresAt: expires,
    });
  } catch (err) {
    // Two concurrent creates with one key: the unique index lets one win; return it.
    if (key) {
      const existing = await lookup();
      if (existing) return existing;
    }
    throw err;
  }
  services.logger.info({ batchId: id, platformId: principal.platformId }, 'upload batch created');
  return (await findBatch(db, principal.platformId, id)) as UploadBatchType;
}

/** The batch's status changes, oldest first (the caller has already scoped the batch to its platform). */
export async function batchHistory(db: SqlDatabase, batchId: string): Promise<BatchTransitionType[]> {
  const rows = await listTransitions(db, batchId);
  return rows.map((r) => ({
    status: r.status as BatchStatus,
    at: r.at,
    by: r.actor,
    note: r.note,
  }));
}

/** A readable name for who created a batch: a user's email or an API key's prefix. */
export async function batchCreator(db: SqlDatabase, batchId: string, platformId: string): Promise<string | null> {
  const [row] = await db.query<{ email: string | null; prefix: string | null }>(
    `select u.email as email, k.prefix as prefix from upload_batch b
       left join dashboard_user u on u.id = b.created_by and u.platform_id = b.platform_id
       left join api_key k on k.id = b.created_by and k.platform_id = b.platform_id
      where b.id = $1 and b.platform_id = $2`,
    [batchId, platformId],
  );
  if (row?.email) return row.email;
  return row?.prefix ? `API key ${row.prefix}…` : null;
}

/** Newest first, keyset-paginated on (created_at, id). */
export async function listBatches(
  db: SqlDatabase,
  platformId: string,
  first: number,
  after?: string | null,
  statuses?: readonly BatchStatus[] | null,
): Promise<Connection<UploadBatchType>> {
  const params: SqlValue[] = [platformId];
  let where = 'platform_id = $1';
  // A status filter (the dashboard's "awaiting approval"): the same keyset walk, fewer rows.
  if (statuses?.length) {
    where += ` and status in (${statuses.map((s) => `$${params.push(s)}`).join(', ')})`;
  }
  const countWhere = where;
  const countParams = [...params];
  if (after) {
    const [ms, id] = decodeCursor(after).split('|');
    const at = new Date(Number(ms));
    if (id && !Number.isNaN(at.getTime())) {
      params.push(at, id);
      where += ` and (created_at < $${params.length - 1} or (created_at = $${params.length - 1} and id < $${params.length}))`;
    }
  }
  params.push(first + 1);
  const rows = await db.query<BatchRecord>(
    `select ${BATCH_COLUMNS} from upload_batch where ${where} order by created_at desc, id desc limit $${params.length}`,
    params,
  );
  const [{ n }] = await db.query<{ n: number }>(`select count(*) as n from upload_batch where ${countWhere}`, countParams);
  return toConnection(rows.map(batchFromRecord), first, (b) => `${b.createdAt.getTime()}|${b.id}`, n);
}

/** Cursor of a batch in {@link listBatches} order (exported for tests and clients that resume). */
export const batchCursor = (b: UploadBatchType) => encodeCursor(`${b.createdAt.getTime()}|${b.id}`);

/** What a user action is called in a refusal ("cannot be confirmed"). */
const ACTION_WORDS: Partial<Record<BatchAction, string>> = {
  confirm: 'confirmed',
  requestApproval: 'confirmed',
  approve: 'approved',
  decline: 'declined',
  cancel: 'canceled',
  rollback: 'rolled back',
};

/** Why a batch in `status` refuses `action`, in words a dashboard user can act on. */
export function refusal(status: BatchStatus, action: BatchAction, expired = false): string {
  if (expired) return 'This batch has expired: unconfirmed batches expire after their review period. Upload the file again.';
  if (action === 'cancel' && status === UploadBatchStatus.APPLYING) return 'This batch is being applied and can no longer be canceled.';
  const hint =
    action === 'confirm' || action === 'requestApproval' ? ' Only a VALIDATED batch can be applied.' : action === 'rollback' ? ' Only a COMPLETED batch can be rolled back.' : '';
  return `This batch is ${status} and cannot be ${ACTION_WORDS[action] ?? action}.${hint}`;
}

/**
 * A user's action on a batch of their platform: one guarded transition. The
 * refusal is a CONFLICT naming the status the batch is in (NOT_FOUND when the
 * batch is not the caller's).
 */
export async function moveBatch(
  services: Services,
  principal: Principal,
  id: string,
  action: BatchAction,
  options: Omit<TransitionOptions, 'platformId' | 'actor'> = {},
): Promise<UploadBatchType> {
  const moved = await transition(services.db, id, action, { ...options, platformId: principal.platformId, actor: principal.actor });
  if (moved) {
    const batch = batchFromRecord(moved);
    services.logger.info({ batchId: id, action, status: batch.status, by: principal.actor }, 'upload batch moved');
    services.pubsub.publish(batchTopic(id), batch);
    return batch;
  }
  const current = await findBatch(services.db, principal.platformId, id);
  if (!current) throw notFound('Upload batch');
  const expired = options.notExpiredAt !== undefined && canTransition(current.status, action) && current.expiresAt <= options.notExpiredAt;
  throw conflict(refusal(current.status, action, expired));
}

/**
 * Starts the apply. Only a VALIDATED batch with something to apply, not yet
 * expired, can be confirmed; confirming an APPLYING or COMPLETED batch again is
 * harmless (two confirms at once: one guarded statement wins, the other sees APPLYING).
 */
export async function confirmBatch(services: Services, principal: Principal, id: string): Promise<UploadBatchType> {
  const batch = await findBatch(services.db, principal.platformId, id);
  if (!batch) throw notFound('Upload batch');
  if (batch.status === UploadBatchStatus.APPLYING || batch.status === UploadBatchStatus.COMPLETED) return batch;
  if (batch.status === UploadBatchStatus.AWAITING_APPROVAL) return batch;
  if (batch.status === UploadBatchStatus.VALIDATED && batch.summary.additions + batch.summary.replacements === 0) {
    throw conflict('There is nothing to apply: this batch has no additions or replacements.');
  }
  // The platform's approval policy may ask for a second ADMIN first (approval.service.ts).
  if (batch.status === UploadBatchStatus.VALIDATED) {
    const reason = await approvalReason(services, batch);
    if (reason) return requestApproval(services, principal, batch, reason);
  }
  const now = new Date();
  let moved: UploadBatchType;
  try {
    moved = await moveBatch(services, principal, id, 'confirm', {
      notExpiredAt: now,
      now,
      set: { confirmed_at: now, confirmed_by: principal.subjectId },
    });
  } catch (err) {
    // The other of two concurrent confirms: the batch is being applied, which is what was asked.
    const current = await findBatch(services.db, principal.platformId, id);
    if (current && (current.status === UploadBatchStatus.APPLYING || current.status === UploadBatchStatus.COMPLETED)) return current;
    throw err;
  }
  await startChunkedJob(services, 'apply', id);
  return moved;
}

/** Cancels a batch that has not been confirmed (a validation under way stops at its next chunk). */
export async function cancelBatch(services: Services, principal: Principal, id: string): Promise<UploadBatchType> {
  const batch = await findBatch(services.db, principal.platformId, id);
  if (!batch) throw notFound('Upload batch');
  if (batch.status === UploadBatchStatus.CANCELED) return batch;
  return moveBatch(services, principal, id, 'cancel');
}
