import type { SqlDatabase, SqlValue } from '../../db/sql.js';
import { conflict, notFound } from '../../graphql/errors.js';
import { type Connection, decodeCursor, encodeCursor, toConnection } from '../../graphql/relay.js';
import { newId } from '../../ids.js';
import type { Principal } from '../auth/principal.js';
import type { Services } from '../../services.js';
import { UploadBatchStatus } from './batch.entity.js';
import { BATCH_COLUMNS, type BatchRecord, batchFromRecord } from './batch.mapper.js';
import { batchTopic } from './batch.topics.js';
import type { UploadBatchType } from './batch.types.js';

export const APPLY_JOB = 'batch.apply';
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
    await db.execute(
      `insert into upload_batch (id, platform_id, status, filename, idempotency_key, created_by, created_at, updated_at, expires_at)
       values ($1, $2, $3, $4, $5, $6, $7, $7, $8)`,
      [id, principal.platformId, UploadBatchStatus.AWAITING_UPLOAD, filename, key, principal.subjectId, now, expires],
    );
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
): Promise<Connection<UploadBatchType>> {
  const params: SqlValue[] = [platformId];
  let where = 'platform_id = $1';
  if (after) {
    const [ms, id] = decodeCursor(after).split('|');
    const at = new Date(Number(ms));
    if (id && !Number.isNaN(at.getTime())) {
      params.push(at, id);
      where += ' and (created_at < $2 or (created_at = $2 and id < $3))';
    }
  }
  params.push(first + 1);
  const rows = await db.query<BatchRecord>(
    `select ${BATCH_COLUMNS} from upload_batch where ${where} order by created_at desc, id desc limit $${params.length}`,
    params,
  );
  const [{ n }] = await db.query<{ n: number | string }>('select count(*) as n from upload_batch where platform_id = $1', [
    platformId,
  ]);
  return toConnection(rows.map(batchFromRecord), first, (b) => `${b.createdAt.getTime()}|${b.id}`, Number(n));
}

/** Cursor of a batch in {@link listBatches} order (exported for tests and clients that resume). */
export const batchCursor = (b: UploadBatchType) => encodeCursor(`${b.createdAt.getTime()}|${b.id}`);

/**
 * Starts the apply. Only a VALIDATED batch with something to apply can be
 * confirmed; confirming an APPLYING or COMPLETED batch again is harmless.
 */
export async function confirmBatch(services: Services, principal: Principal, id: string): Promise<UploadBatchType> {
  const { db } = services;
  const batch = await findBatch(db, principal.platformId, id);
  if (!batch) throw notFound('Upload batch');
  if (batch.status === UploadBatchStatus.APPLYING || batch.status === UploadBatchStatus.COMPLETED) return batch;
  if (batch.status !== UploadBatchStatus.VALIDATED) {
    throw conflict(`This batch is ${batch.status} and cannot be confirmed: only a VALIDATED batch can be applied.`);
  }
  if (batch.summary.additions + batch.summary.replacements === 0) {
    throw conflict('There is nothing to apply: this batch has no additions or replacements.');
  }
  const changed = await db.execute(
    `update upload_batch set status = $1, confirmed_at = $2, confirmed_by = $3, updated_at = $2
      where id = $4 and platform_id = $5 and status = $6`,
    [UploadBatchStatus.APPLYING, new Date(), principal.subjectId, id, principal.platformId, UploadBatchStatus.VALIDATED],
  );
  if (changed === 1) {
    services.logger.info({ batchId: id, by: principal.subjectId }, 'upload batch confirmed');
    await services.jobs.enqueue(APPLY_JOB, { batchId: id }, { jobId: `apply:${id}` });
  }
  const current = (await publishBatch(services, id)) as UploadBatchType;
  if (changed !== 1 && current.status !== UploadBatchStatus.APPLYING && current.status !== UploadBatchStatus.COMPLETED) {
    throw conflict(`This batch is ${current.status} and cannot be confirmed.`);
  }
  return current;
}

/** Cancels a batch that has not been confirmed; its rows stay for the record until expiry. */
export async function cancelBatch(services: Services, principal: Principal, id: string): Promise<UploadBatchType> {
  const { db } = services;
  const batch = await findBatch(db, principal.platformId, id);
  if (!batch) throw notFound('Upload batch');
  if (batch.status === UploadBatchStatus.CANCELED) return batch;
  const cancelable = [UploadBatchStatus.AWAITING_UPLOAD, UploadBatchStatus.VALIDATED, UploadBatchStatus.REJECTED];
  const marks = cancelable.map((_, i) => `$${i + 4}`).join(', ');
  const changed = await db.execute(
    `update upload_batch set status = 'CANCELED', updated_at = $1 where id = $2 and platform_id = $3 and status in (${marks})`,
    [new Date(), id, principal.platformId, ...cancelable],
  );
  if (changed !== 1) {
    throw conflict(
      batch.status === UploadBatchStatus.VALIDATING
        ? 'This batch is still being validated; cancel it once validation ends.'
        : `This batch is ${batch.status} and can no longer be canceled.`,
    );
  }
  services.logger.info({ batchId: id }, 'upload batch canceled');
  return (await publishBatch(services, id)) as UploadBatchType;
}
