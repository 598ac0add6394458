import type { SqlReads, SqlTx } from '../../../db/sql.js';
import { type ChangeCounts, emptyChangeCounts, ROW_ISSUE_CODES, WARNING_MASK, issueBit } from '../batch-row.codes.js';
import type { RowHistogram } from '../batch-row-filter.js';

/** The batch counters that follow from a row histogram. */
export interface HistogramCounters extends ChangeCounts {
  total: number;
  issueCounts: Record<string, number>;
}

export function countersOf(histogram: RowHistogram): HistogramCounters {
  const c: HistogramCounters = { total: 0, ...emptyChangeCounts(), issueCounts: {} };
  for (const code of ROW_ISSUE_CODES) c.issueCounts[code] = 0;
  for (const [change, mask, rows] of histogram) {
    c.total += rows;
    if (change === 'ADD') c.additions += rows;
    else if (change === 'REPLACE') c.replacements += rows;
    else if (change === 'UNCHANGED') c.unchanged += rows;
    else if (change === 'SKIPPED') c.skipped += rows;
    else if (change === 'INVALID') c.invalid += rows;
    if (mask & WARNING_MASK) c.warnings += rows;
    for (const code of ROW_ISSUE_CODES) if (mask & issueBit(code)) c.issueCounts[code] += rows;
  }
  return c;
}

/**
 * A batch's rows per (change, issue_mask), in one `group by` of all its rows (after the
 * duplicates and shared-emails passes moved rows). Validation reads it with `scans`, off the
 * server's thread on SQLite (about a second at 500,000 rows), once the rows no longer change; an
 * edit reads it in its own transaction.
 */
export async function readRowHistogram(reads: SqlReads, batchId: string): Promise<RowHistogram> {
  const buckets = await reads.query<{ change: string; issue_mask: number | string; n: number | string }>(
    'select change, issue_mask, count(*) as n from batch_row where batch_id = $1 group by change, issue_mask order by change, issue_mask',
    [batchId],
  );
  return buckets.map((b) => [b.change, Number(b.issue_mask), Number(b.n)] as const);
}

/**
 * Stores a batch's counters from its row histogram, kept with them so review totals of any
 * filter on changes and issue codes need no count; the counters are sums of it.
 */
export async function storeCounters(tx: SqlTx, batchId: string, histogram: RowHistogram): Promise<void> {
  const c = countersOf(histogram);
  await tx.execute(
    `update upload_batch set total_rows = $1, processed_rows = $1, additions = $2, replacements = $3, unchanged = $4,
        skipped = $5, invalid = $6, warnings = $7, issue_counts = $8, row_histogram = $9 where id = $10`,
    [
      c.total,
      c.additions,
      c.replacements,
      c.unchanged,
      c.skipped,
      c.invalid,
      c.warnings,
      JSON.stringify(c.issueCounts),
      JSON.stringify(histogram),
      batchId,
    ],
  );
}
