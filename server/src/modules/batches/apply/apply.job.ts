import type { Services } from '../../../services.js';
import type { SqlTx } from '../../../db/sql.js';
import { accountUpdatedEvent, recordEvents } from '../../events/account-event.js';
import { UploadBatchStatus } from '../batch.entity.js';
import { nudgeWebhooks } from '../../webhooks/webhook.topics.js';
import { publishBatch } from '../batch.service.js';

export interface ApplyPayload {
  batchId: string;
}

interface AppliedRecord {
  id: string;
  email: string | null;
  business_name: string | null;
  first_name: string | null;
  last_name: string | null;
}

/**
 * Applies one chunk of PENDING rows in one transaction: an optimistic update
 * (the account's email must still be the one validation saw), the rows'
 * apply status, one outbox event per applied row, and the batch counters.
 * A crash rolls the whole chunk back, so a resumed apply never repeats a row.
 * Returns false when no PENDING row is left.
 */
export async function applyChunk(tx: SqlTx, platformId: string, batchId: string, limit: number): Promise<boolean> {
  const pending = await tx.query<{ row_number: number; account_id: string; current_email: string | null }>(
    `select row_number, account_id, current_email from batch_row
      where batch_id = $1 and apply_status = 'PENDING' order by row_number limit $2`,
    [batchId, limit],
  );
  if (pending.length === 0) return false;
  const lo = Number(pending[0].row_number);
  const hi = Number(pending[pending.length - 1].row_number);
  // Duplicated accounts are INVALID, so an account id names one pending row.
  const rowOf = new Map(pending.map((p) => [p.account_id, p]));
  const now = new Date();
  // UPDATE … FROM and IS NOT DISTINCT FROM read the same on SQLite (≥ 3.39) and
  // PostgreSQL; SQLite's RETURNING can only name the updated table, hence rowOf.
  const applied = await tx.query<AppliedRecord>(
    `update connected_account
        set email = r.new_email, version = connected_account.version + 1, updated_at = $1
       from batch_row r
      where r.batch_id = $2 and r.row_number between $3 and $4 and r.apply_status = 'PENDING'
        and connected_account.platform_id = $5 and connected_account.id = r.account_id
        and connected_account.status not in ('closed', 'rejected')
        and connected_account.email is not distinct from r.current_email
  returning connected_account.id, connected_account.email, connected_account.business_name,
            connected_account.first_name, connected_account.last_name`,
    [now, batchId, lo, hi, platformId],
  );
  if (applied.length > 0) {
    const numbers = applied.map((a) => Number(rowOf.get(a.id)?.row_number));
    const marks = numbers.map((_, i) => `$${i + 2}`).join(', ');
    await tx.execute(`update batch_row set apply_status = 'APPLIED' where batch_id = $1 and row_number in (${marks})`, [batchId, ...numbers]);
    await recordEvents(
      tx,
      platformId,
      applied.map((a, i) => ({
        rowNumber: numbers[i],
        event: accountUpdatedEvent(
          { id: a.id, email: a.email, businessName: a.business_name, firstName: a.first_name, lastName: a.last_name },
          rowOf.get(a.id)?.current_email ?? null,
          batchId,
          now,
        ),
      })),
      now,
    );
  }
  // Rows left PENDING in the range were not applied: the account changed since
  // validation (CONFLICT) or is gone or no longer eligible (FAILED).
  const conflicts = await tx.execute(
    `update batch_row set apply_status = 'CONFLICT'
      where batch_id = $1 and row_number between $2 and $3 and apply_status = 'PENDING'
        and exists (select 1 from connected_account a where a.platform_id = $4 and a.id = batch_row.account_id
                      and a.status not in ('closed', 'rejected'))`,
    [batchId, lo, hi, platformId],
  );
  const failed = await tx.execute(
    `update batch_row set apply_status = 'FAILED' where batch_id = $1 and row_number between $2 and $3 and apply_status = 'PENDING'`,
    [batchId, lo, hi],
  );
  await tx.execute(
    'update upload_batch set applied = applied + $1, conflicts = conflicts + $2, failed = failed + $3, updated_at = $4 where id = $5',
    [applied.length, conflicts, failed, now, batchId],
  );
  return true;
}

/** The apply job: chunk after chunk until no row is PENDING, then COMPLETED. Safe to run again. */
export async function applyBatch(services: Services, payload: ApplyPayload): Promise<void> {
  const { db, logger } = services;
  const log = logger.child({ batchId: payload.batchId });
  const [batch] = await db.query<{ platform_id: string; status: string }>('select platform_id, status from upload_batch where id = $1', [
    payload.batchId,
  ]);
  if (!batch || batch.status !== UploadBatchStatus.APPLYING) return;
  const started = Date.now();
  try {
    while (await db.transaction((tx) => applyChunk(tx, batch.platform_id, payload.batchId, services.env.APPLY_CHUNK_ROWS))) {
      // The chunk's events are committed: wake the delivery worker instead of waiting for its poll.
      nudgeWebhooks(services);
      await publishBatch(services, payload.batchId);
    }
    const now = new Date();
    await db.execute(`update upload_batch set status = 'COMPLETED', completed_at = $1, updated_at = $1 where id = $2 and status = 'APPLYING'`, [
      now,
      payload.batchId,
    ]);
    const final = await publishBatch(services, payload.batchId);
    log.info({ ms: Date.now() - started, ...final?.summary }, 'batch applied');
  } catch (err) {
    // Left APPLYING: the next start (or a retry) resumes from the PENDING rows.
    log.error({ err }, 'apply interrupted; it resumes at the next start');
    throw err;
  }
}
