import { join, raw, type Sql, type SqlDatabase, type SqlTx, type SqlValue, sql } from '../../../db/sql.js';
import { BATCH_COLUMNS, type BatchRecord } from '../batch.mapper.js';
import { type BatchStatus, UploadBatchStatus } from '../lifecycle/batch-status.js';
import { type BatchAction, PURGEABLE_STATUSES, TRANSITIONS } from '../lifecycle/transitions.js';
import { dropSearchIndex } from '../search/search-index.store.js';

/**
 * The owner of `upload_batch`: every write of a batch's own columns happens
 * here. (Its rows, `batch_row`, are written by the validation and apply stages
 * listed in ARCHITECTURE.md, always inside a transaction that first takes the
 * batch through this store.) A status changes only through {@link transition}:
 * one guarded statement whose trigger records the history entry.
 */

type Executor = SqlDatabase | SqlTx;

/** Columns a transition may set in the same statement as the status. */
export type TransitionColumns = Partial<
  Record<
    | 'confirmed_at'
    | 'confirmed_by'
    | 'validated_at'
    | 'completed_at'
    | 'failure_message'
    | 'file_error_code'
    | 'file_error_message'
    | 'file_error_line'
    | 'file_error_missing'
    | 'file_error_found'
    | 'total_rows'
    | 'processed_rows'
    | 'additions'
    | 'replacements'
    | 'unchanged'
    | 'skipped'
    | 'invalid'
    | 'warnings',
    // A fragment (the `sql` tag) for a value computed from the row itself.
    SqlValue | Sql
  >
>;

export interface TransitionOptions {
  /** Who: a user's email or an API key's prefix; null (the default) for the system. */
  actor?: string | null;
  note?: string | null;
  /** Only a batch of this platform moves (user actions). */
  platformId?: string;
  /** Only a batch whose `expires_at` is after this moves (confirm cannot revive an expired batch). */
  notExpiredAt?: Date;
  /** Only a batch that expired before this moves (the expiry sweep). */
  expiredAt?: Date;
  set?: TransitionColumns;
  now?: Date;
}

/**
 * Moves a batch by `action` if its status is one the transitions table allows,
 * in one statement (`update … where status in (…) returning …`); the history
 * trigger records it in that statement. Returns the batch as it is now, or null
 * when the guard failed (another change won, or the status never allowed it).
 */
export async function transition(
  db: Executor,
  batchId: string,
  action: BatchAction,
  options: TransitionOptions = {},
): Promise<BatchRecord | null> {
  const { from, to } = TRANSITIONS[action];
  const sets = [
    sql`status = ${to}`,
    sql`status_actor = ${options.actor ?? null}`,
    sql`status_note = ${options.note ?? null}`,
    sql`updated_at = ${options.now ?? new Date()}`,
    // Column names come from the TransitionColumns type, never from input.
    ...Object.entries(options.set ?? {}).map(([column, value]) => sql`${raw(column)} = ${value}`),
  ];
  const guards = [sql`id = ${batchId}`, sql`status in (${join(from)})`];
  if (options.platformId !== undefined) guards.push(sql`platform_id = ${options.platformId}`);
  if (options.notExpiredAt) guards.push(sql`expires_at > ${options.notExpiredAt}`);
  if (options.expiredAt) guards.push(sql`expires_at <= ${options.expiredAt}`);
  const [row] = await db.query<BatchRecord>(
    sql`update upload_batch set ${join(sets, ', ')} where ${join(guards, ' and ')} returning ${raw(BATCH_COLUMNS)}`,
  );
  return row ?? null;
}

export interface NewBatch {
  id: string;
  platformId: string;
  filename: string | null;
  idempotencyKey: string | null;
  createdBy: string;
  actor: string;
  now: Date;
  expiresAt: Date;
}

/** Creates a batch AWAITING_UPLOAD (its first history entry comes with it). */
export async function insertBatch(db: Executor, b: NewBatch): Promise<void> {
  await db.execute(
    sql`insert into upload_batch (id, platform_id, status, status_actor, filename, idempotency_key, created_by, created_at, updated_at, expires_at)
        values (${b.id}, ${b.platformId}, ${UploadBatchStatus.AWAITING_UPLOAD}, ${b.actor}, ${b.filename}, ${b.idempotencyKey}, ${b.createdBy}, ${b.now}, ${b.now}, ${b.expiresAt})`,
  );
}

/** What the upload route learnt while the bytes came in (size, line count: the row estimate). */
export async function recordUpload(db: Executor, batchId: string, bytes: number, estimatedRows: number): Promise<void> {
  await db.execute('update upload_batch set upload_bytes = $1, estimated_rows = $2, updated_at = $3 where id = $4', [
    bytes,
    estimatedRows,
    new Date(),
    batchId,
  ]);
}

/**
 * Holds the batch for the caller's transaction if it is still `status`: marks it touched and takes
 * its row lock (PostgreSQL; SQLite serialises writers anyway), so job chunks of one batch run one
 * after the other and a confirm or an expiry waits for a row edit. With `platformId` it also checks
 * the tenant (a user action; jobs act on a batch id they were given). False when the batch moved
 * on (canceled, failed, confirmed) or is another platform's: the caller writes nothing.
 */
export async function holdBatch(
  tx: SqlTx,
  batchId: string,
  status: BatchStatus,
  options: { now?: Date; platformId?: string } = {},
): Promise<boolean> {
  const now = options.now ?? new Date();
  const changed =
    options.platformId === undefined
      ? await tx.execute('update upload_batch set updated_at = $1 where id = $2 and status = $3', [now, batchId, status])
      : await tx.execute('update upload_batch set updated_at = $1 where id = $2 and status = $3 and platform_id = $4', [
          now,
          batchId,
          status,
          options.platformId,
        ]);
  return changed === 1;
}

/** Zeroes the counters a validation run fills (a retried run starts over). */
export async function resetValidationCounters(tx: SqlTx, batchId: string): Promise<void> {
  await tx.execute(
    `update upload_batch set total_rows = 0, processed_rows = 0, additions = 0, replacements = 0, unchanged = 0, skipped = 0,
        invalid = 0, warnings = 0, issue_counts = null, row_histogram = null where id = $1`,
    [batchId],
  );
}

/** Adds one apply chunk's outcome to the counters. */
export async function addApplyCounts(
  tx: SqlTx,
  batchId: string,
  counts: { applied: number; conflicts: number; failed: number },
  now: Date,
): Promise<void> {
  await tx.execute(
    'update upload_batch set applied = applied + $1, conflicts = conflicts + $2, failed = failed + $3, updated_at = $4 where id = $5',
    [counts.applied, counts.conflicts, counts.failed, now, batchId],
  );
}

/** Adds one rollback chunk's outcome to the counters. */
export async function addRollbackCounts(tx: SqlTx, batchId: string, counts: { rolledBack: number; conflicts: number }, now: Date): Promise<void> {
  await tx.execute(
    'update upload_batch set rolled_back = rolled_back + $1, rollback_conflicts = rollback_conflicts + $2, updated_at = $3 where id = $4',
    [counts.rolledBack, counts.conflicts, now, batchId],
  );
}

/** Rows of `batch_row` go with their batch when it is rejected, expires, or is purged; so does their search index. */
export async function deleteRows(tx: SqlTx, batchId: string): Promise<number> {
  await dropSearchIndex(tx, batchId);
  await tx.execute('update upload_batch set search_indexed_at = null where id = $1 and search_indexed_at is not null', [batchId]);
  return tx.execute('delete from batch_row where batch_id = $1', [batchId]);
}

/** What a search-index build needs to know of its batch; null when there is no such batch. */
export interface SearchIndexState {
  status: BatchStatus;
  indexed: boolean;
  rowEdits: number;
  rowsPurged: boolean;
}

export async function readSearchIndexState(db: Executor, batchId: string): Promise<SearchIndexState | null> {
  const [r] = await db.query<{ status: BatchStatus; search_indexed_at: Date | null; row_edits: number; rows_purged_at: Date | null }>(
    'select status, search_indexed_at, row_edits, rows_purged_at from upload_batch where id = $1',
    [batchId],
  );
  if (!r) return null;
  return { status: r.status, indexed: r.search_indexed_at !== null, rowEdits: Number(r.row_edits), rowsPurged: r.rows_purged_at !== null };
}

/**
 * Counts an edit of the batch's rows (inside the edit's transaction, after {@link holdBatch}) and
 * says whether the batch has a published search index the edit must keep in step.
 */
export async function countRowEdit(tx: SqlTx, batchId: string): Promise<{ indexed: boolean }> {
  const [r] = await tx.query<{ search_indexed_at: Date | null }>(
    'update upload_batch set row_edits = row_edits + 1 where id = $1 returning search_indexed_at',
    [batchId],
  );
  return { indexed: Boolean(r?.search_indexed_at) };
}

/**
 * Marks the batch's search index published, if no edit landed since the build read `rowEdits`
 * and the batch still has its rows in one of `statuses`: one guarded statement, so an edit
 * either lands before it (and the build is thrown away) or waits for it (and updates the index).
 */
export async function publishSearchIndex(
  tx: SqlTx,
  batchId: string,
  rowEdits: number,
  statuses: readonly BatchStatus[],
  now: Date,
): Promise<boolean> {
  const won = await tx.execute(
    sql`update upload_batch set search_indexed_at = ${now}
         where id = ${batchId} and row_edits = ${rowEdits} and rows_purged_at is null and status in (${join(statuses)})`,
  );
  return won === 1;
}

/** Batches whose search index retention drops: published, and the batch unchanged since `before`. */
export async function staleSearchIndexes(db: Executor, before: Date, limit: number): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    'select id from upload_batch where search_indexed_at is not null and updated_at < $1 order by updated_at limit $2',
    [before, limit],
  );
  return rows.map((r) => r.id);
}

/** Unpublishes a stale search index (see {@link staleSearchIndexes}) and drops it; false when the batch moved meanwhile. */
export async function retireSearchIndex(tx: SqlTx, batchId: string, before: Date): Promise<boolean> {
  const won = await tx.execute('update upload_batch set search_indexed_at = null where id = $1 and search_indexed_at is not null and updated_at < $2', [
    batchId,
    before,
  ]);
  if (won === 1) await dropSearchIndex(tx, batchId);
  return won === 1;
}

/**
 * Ended batches (REJECTED, FAILED, CANCELED, DECLINED, EXPIRED) last changed
 * before `before` whose rows are still there: at most `limit` ids, oldest first.
 */
export async function purgeableBatches(db: Executor, before: Date, limit: number): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    sql`select id from upload_batch where status in (${join(PURGEABLE_STATUSES)}) and updated_at < ${before} and rows_purged_at is null
        order by updated_at limit ${limit}`,
  );
  return rows.map((r) => r.id);
}

/** Deletes an ended batch's rows (the batch and its history stay) if it is still purgeable. */
export async function purgeRows(tx: SqlTx, batchId: string, now: Date): Promise<number> {
  const won = await tx.execute(
    sql`update upload_batch set rows_purged_at = ${now}
         where id = ${batchId} and rows_purged_at is null and status in (${join(PURGEABLE_STATUSES)})`,
  );
  return won === 1 ? deleteRows(tx, batchId) : 0;
}

/** Batches a restart must look at: those a job was working on. */
export async function batchesIn(db: Executor, status: BatchStatus): Promise<string[]> {
  const rows = await db.query<{ id: string }>('select id from upload_batch where status = $1', [status]);
  return rows.map((r) => r.id);
}

/**
 * VALIDATING batches with their platform, and whether their whole file had arrived (`upload_bytes`
 * is written only after the upload's last byte is stored): start-up decides which can start over.
 */
export async function validatingBatches(db: Executor): Promise<Array<{ id: string; platformId: string; uploaded: boolean }>> {
  const rows = await db.query<{ id: string; platform_id: string; upload_bytes: number | null }>(
    'select id, platform_id, upload_bytes from upload_batch where status = $1',
    [UploadBatchStatus.VALIDATING],
  );
  return rows.map((r) => ({ id: r.id, platformId: r.platform_id, uploaded: r.upload_bytes !== null }));
}

/** Batches past their expiry date that can still expire (the sweep then expires each with a guarded statement). */
export async function expiredCandidates(db: Executor, now: Date, limit: number): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    sql`select id from upload_batch where status in (${join(TRANSITIONS.expire.from)}) and expires_at <= ${now} order by expires_at limit ${limit}`,
  );
  return rows.map((r) => r.id);
}

/** One history entry, oldest first. */
export interface TransitionRecord {
  status: string;
  at: Date;
  actor: string | null;
  note: string | null;
}

export async function listTransitions(db: Executor, batchId: string): Promise<TransitionRecord[]> {
  return db.query<TransitionRecord>('select status, at, actor, note from batch_transition where batch_id = $1 order by seq', [batchId]);
}
