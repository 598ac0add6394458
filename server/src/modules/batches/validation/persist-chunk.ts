import type { SqlTx, SqlValue } from '../../../db/sql.js';
import { type ChangeCounts, emptyChangeCounts, issueBit } from '../batch-row.codes.js';
import type { ClassifiedChunkRow } from './classify-chunk.js';

export const BATCH_ROW_INSERT_COLUMNS = [
  'batch_id',
  'row_number',
  'account_id',
  'business_name',
  'new_email',
  'current_email',
  'change',
  'issue_mask',
  'issues',
  'apply_status',
];

/** Counters a chunk adds to its batch. */
export interface ChunkCounts extends ChangeCounts {
  rows: number;
}

/** Bulk-inserts a chunk's rows and adds its counters to the batch, in the caller's transaction. */
export async function persistChunk(tx: SqlTx, batchId: string, rows: ClassifiedChunkRow[]): Promise<ChunkCounts> {
  const c: ChunkCounts = { rows: rows.length, ...emptyChangeCounts() };
  const values = new Array<SqlValue[]>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    let pending = false;
    if (r.change === 'ADD') {
      c.additions++;
      pending = true;
    } else if (r.change === 'REPLACE') {
      c.replacements++;
      pending = true;
    } else if (r.change === 'UNCHANGED') c.unchanged++;
    else if (r.change === 'SKIPPED') c.skipped++;
    else c.invalid++;
    let mask = 0;
    let warning = false;
    for (const issue of r.issues) {
      mask |= issueBit(issue.code);
      if (issue.severity === 'WARNING') warning = true;
    }
    if (warning) c.warnings++;
    values[i] = [
      batchId,
      r.rowNumber,
      r.accountId,
      r.businessName,
      r.newEmail,
      r.currentEmail,
      r.change,
      mask,
      r.issues.length ? JSON.stringify(r.issues) : null,
      pending ? 'PENDING' : 'NOT_APPLICABLE',
    ];
  }
  await tx.insertMany('batch_row', BATCH_ROW_INSERT_COLUMNS, values);
  await tx.execute(
    `update upload_batch set processed_rows = processed_rows + $1, additions = additions + $2, replacements = replacements + $3,
       unchanged = unchanged + $4, skipped = skipped + $5, invalid = invalid + $6, warnings = warnings + $7, updated_at = $8
     where id = $9`,
    [c.rows, c.additions, c.replacements, c.unchanged, c.skipped, c.invalid, c.warnings, new Date(), batchId],
  );
  return c;
}
