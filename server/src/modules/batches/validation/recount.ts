import type { SqlTx } from '../../../db/sql.js';
import { ROW_ISSUE_CODES, WARNING_MASK, issueBit } from '../batch-row.codes.js';

/**
 * Recomputes a batch's counters from its rows in one pass (after the duplicates
 * pass moved rows to INVALID), including per-issue-code counts for the review.
 */
export async function recountBatch(tx: SqlTx, batchId: string): Promise<void> {
  const codeSums = ROW_ISSUE_CODES.map((code) => `sum(case when (issue_mask & ${issueBit(code)}) <> 0 then 1 else 0 end) as "${code}"`);
  const [r] = await tx.query<Record<string, number | string | null>>(
    `select count(*) as total,
            sum(case when change = 'ADD' then 1 else 0 end) as additions,
            sum(case when change = 'REPLACE' then 1 else 0 end) as replacements,
            sum(case when change = 'UNCHANGED' then 1 else 0 end) as unchanged,
            sum(case when change = 'SKIPPED' then 1 else 0 end) as skipped,
            sum(case when change = 'INVALID' then 1 else 0 end) as invalid,
            sum(case when (issue_mask & ${WARNING_MASK}) <> 0 then 1 else 0 end) as warnings,
            ${codeSums.join(',\n            ')}
       from batch_row where batch_id = $1`,
    [batchId],
  );
  const n = (k: string) => Number(r[k] ?? 0);
  const issueCounts = Object.fromEntries(ROW_ISSUE_CODES.map((c) => [c, n(c)]));
  await tx.execute(
    `update upload_batch set total_rows = $1, processed_rows = $1, additions = $2, replacements = $3, unchanged = $4,
        skipped = $5, invalid = $6, warnings = $7, issue_counts = $8 where id = $9`,
    [n('total'), n('additions'), n('replacements'), n('unchanged'), n('skipped'), n('invalid'), n('warnings'), JSON.stringify(issueCounts), batchId],
  );
}
