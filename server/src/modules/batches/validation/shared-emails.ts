import type { SqlDatabase, SqlTx, SqlValue } from '../../../db/sql.js';
import { issueBit } from '../batch-row.codes.js';
import { BATCH_ROW_COLUMNS, type BatchRowRecord, rowFromRecord } from '../batch.mapper.js';
import type { BatchRowType } from '../batch.types.js';
import { type RowIssue, sharedEmailIssue } from '../pipeline/issues.js';

/**
 * Each page is one grouping of the batch (a scan and a sort, no index on new_email): pages are large
 * so that even a hostile file of 250,000 pairs takes a few; a page holds only the shared addresses.
 */
const GROUPS_PER_PAGE = 50_000;
const ROWS_PER_UPDATE = 1_000;
/** Rows named in a SHARED_EMAIL message; the rest are counted. */
const NAMED = 10;

/** Only rows that will write the address can share it: ADD and REPLACE. */
export const SHARING_CHANGES = `change in ('ADD', 'REPLACE')`;

/** A row's issues with SHARED_EMAIL replaced by `shared` (or removed when null), warnings after errors. */
export function withSharedIssue(issues: RowIssue[], shared: RowIssue | null): RowIssue[] {
  const rest = issues.filter((i) => i.code !== 'SHARED_EMAIL');
  return shared ? [...rest, shared] : rest;
}

/** SHARED_EMAIL for each row of one group of rows (same new email, at least two). */
export function sharedIssuesOf(email: string, rowNumbers: number[]): Map<number, RowIssue> {
  const sorted = [...rowNumbers].sort((a, b) => a - b);
  const out = new Map<number, RowIssue>();
  for (const n of sorted) {
    const others = sorted.slice(0, NAMED + 1).filter((m) => m !== n).slice(0, NAMED);
    out.set(n, sharedEmailIssue(email, others, sorted.length - 1));
  }
  return out;
}

/**
 * Marks every ADD or REPLACE row whose new email is also the new email of another such row with
 * SHARED_EMAIL naming the others. Runs after the duplicates pass (a duplicate is INVALID and writes
 * nothing), in SQL, a page of shared addresses at a time, so memory does not grow with the file. Returns the rows it changed, at most `reportLimit` of them, for the live problem list.
 */
export async function markSharedEmails(db: SqlDatabase, batchId: string, reportLimit: number): Promise<{ marked: number; sample: BatchRowType[] }> {
  let marked = 0;
  const sample: BatchRowType[] = [];
  let after = '';
  for (;;) {
    // A scan and a sort of the whole batch (seconds at 500,000 rows): off the server's thread.
    const groups = await db.scans.query<{ new_email: string }>(
      `select new_email from batch_row
        where batch_id = $1 and new_email is not null and new_email > $2 and ${SHARING_CHANGES}
        group by new_email having count(*) > 1 order by new_email limit $3`,
      [batchId, after, GROUPS_PER_PAGE],
    );
    if (groups.length === 0) break;
    after = groups[groups.length - 1].new_email;
    const rows = await db.query<BatchRowRecord>(
      `select ${BATCH_ROW_COLUMNS} from batch_row
        where batch_id = $1 and new_email ${db.anyOf(2)} and ${SHARING_CHANGES} order by new_email, row_number`,
      [batchId, groups.map((g) => g.new_email)],
    );
    const byEmail = new Map<string, BatchRowRecord[]>();
    for (const r of rows) {
      const email = r.new_email as string;
      const list = byEmail.get(email) ?? [];
      list.push(r);
      byEmail.set(email, list);
    }
    const updates: Array<{ rowNumber: number; issues: string }> = [];
    for (const [email, group] of byEmail) {
      const issuesByRow = sharedIssuesOf(
        email,
        group.map((r) => Number(r.row_number)),
      );
      for (const r of group) {
        const rowNumber = Number(r.row_number);
        const previous = r.issues ? (JSON.parse(r.issues) as RowIssue[]) : [];
        const issues = JSON.stringify(withSharedIssue(previous, issuesByRow.get(rowNumber) ?? null));
        updates.push({ rowNumber, issues });
        if (sample.length < reportLimit) sample.push(rowFromRecord({ ...r, issues }));
      }
    }
    // Not durable, as the duplicates pass: the commit that marks the batch VALIDATED flushes these.
    await db.transaction(
      async (tx) => {
        for (let start = 0; start < updates.length; start += ROWS_PER_UPDATE) {
          await setIssues(tx, batchId, updates.slice(start, start + ROWS_PER_UPDATE), issueBit('SHARED_EMAIL'));
        }
      },
      { durable: false },
    );
    marked += updates.length;
  }
  return { marked, sample };
}

/** One statement for many rows: their issues (JSON) and a bit added to their mask (see duplicates.ts, markRows). */
async function setIssues(tx: SqlTx, batchId: string, updates: Array<{ rowNumber: number; issues: string }>, bit: number): Promise<void> {
  const params: SqlValue[] = [batchId, bit];
  const tuples = updates.map((u) => {
    params.push(u.rowNumber, u.issues);
    return `(cast($${params.length - 1} as integer), cast($${params.length} as text))`;
  });
  await tx.execute(
    `with v (row_number, issues) as (values ${tuples.join(', ')})
     update batch_row set issues = v.issues, issue_mask = issue_mask | $2
       from v where batch_row.batch_id = $1 and batch_row.row_number = v.row_number
        and batch_row.row_number in (select row_number from v)`,
    params,
  );
}
