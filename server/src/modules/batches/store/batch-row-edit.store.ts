import type { SqlTx } from '../../../db/sql.js';
import type { RowHistogram } from '../batch-row-filter.js';
import { BATCH_ROW_COLUMNS, type BatchRowRecord } from '../batch.mapper.js';
import { countersOf, readRowHistogram, storeCounters } from '../validation/recount.js';

/**
 * The SQL writes of editBatchRow, in the caller's transaction (the batch is held VALIDATED first by
 * batch.store#holdBatch): the re-evaluated rows, and the counters and histogram moved by the rows' old and
 * new (change, issue_mask).
 */

export async function readRow(tx: SqlTx, batchId: string, rowNumber: number): Promise<StoredRow | undefined> {
  const [r] = await tx.query<StoredRow>(`select ${BATCH_ROW_COLUMNS}, issue_mask from batch_row where batch_id = $1 and row_number = $2`, [
    batchId,
    rowNumber,
  ]);
  return r;
}

export interface StoredRow extends BatchRowRecord {
  issue_mask: number | string;
}

/** The rows of the batch that give an email to `accountId` or not (the duplicate group). */
export function rowsOfAccount(tx: SqlTx, batchId: string, accountId: string): Promise<StoredRow[]> {
  return tx.query<StoredRow>(`select ${BATCH_ROW_COLUMNS}, issue_mask from batch_row where batch_id = $1 and account_id = $2 order by row_number`, [
    batchId,
    accountId,
  ]);
}

/** The rows whose new email is one of `emails`: a scan of the batch (no index on new_email, see Migration0010). */
export function rowsWithEmails(tx: SqlTx, batchId: string, emails: string[]): Promise<StoredRow[]> {
  if (emails.length === 0) return Promise.resolve([]);
  return tx.query<StoredRow>(
    `select ${BATCH_ROW_COLUMNS}, issue_mask from batch_row where batch_id = $1 and new_email is not null and new_email ${tx.anyOf(2)} order by row_number`,
    [batchId, emails],
  );
}

export interface RowWrite {
  rowNumber: number;
  newEmail: string | null;
  currentEmail: string | null;
  change: string;
  issueMask: number;
  issues: string | null;
  applyStatus: string;
  /** Set only on the edited row, the first time it is edited. */
  fileEmail?: string;
}

export async function writeRows(tx: SqlTx, batchId: string, rows: RowWrite[]): Promise<void> {
  for (const r of rows) {
    await tx.execute(
      `update batch_row set new_email = $1, current_email = $2, change = $3, issue_mask = $4, issues = $5, apply_status = $6,
          file_email = coalesce(file_email, $7)
        where batch_id = $8 and row_number = $9`,
      [r.newEmail, r.currentEmail, r.change, r.issueMask, r.issues, r.applyStatus, r.fileEmail ?? null, batchId, r.rowNumber],
    );
  }
}

/**
 * Moves each changed row from its old (change, mask) bucket to its new one in the batch's histogram
 * and stores the counters that follow; a batch validated before the histogram is recounted.
 */
export async function moveCounters(
  tx: SqlTx,
  batchId: string,
  moves: Array<{ from: readonly [string, number]; to: readonly [string, number] }>,
): Promise<void> {
  const [b] = await tx.query<{ row_histogram: string | null }>('select row_histogram from upload_batch where id = $1', [batchId]);
  const stored = b?.row_histogram ? (JSON.parse(b.row_histogram) as RowHistogram) : null;
  if (!stored) {
    // Inside the edit's transaction: the count must see its own writes.
    await storeCounters(tx, batchId, await readRowHistogram(tx, batchId));
    return;
  }
  const buckets = new Map<string, number>();
  for (const [change, mask, rows] of stored) buckets.set(`${change}|${mask}`, rows);
  for (const m of moves) {
    const from = `${m.from[0]}|${m.from[1]}`;
    const to = `${m.to[0]}|${m.to[1]}`;
    buckets.set(from, (buckets.get(from) ?? 0) - 1);
    buckets.set(to, (buckets.get(to) ?? 0) + 1);
  }
  const histogram: RowHistogram = [...buckets]
    .filter(([, rows]) => rows > 0)
    .map(([key, rows]) => {
      const [change, mask] = key.split('|');
      return [change, Number(mask), rows] as const;
    })
    .sort((a, b) => (a[0] === b[0] ? a[1] - b[1] : a[0] < b[0] ? -1 : 1));
  const c = countersOf(histogram);
  await tx.execute(
    `update upload_batch set additions = $1, replacements = $2, unchanged = $3, skipped = $4, invalid = $5, warnings = $6,
        issue_counts = $7, row_histogram = $8, updated_at = $9 where id = $10`,
    [c.additions, c.replacements, c.unchanged, c.skipped, c.invalid, c.warnings, JSON.stringify(c.issueCounts), JSON.stringify(histogram), new Date(), batchId],
  );
}
