import type { SqlDatabase, SqlTx, SqlValue } from '../../../db/sql.js';
import { issueBit } from '../batch-row.codes.js';
import { BATCH_ROW_COLUMNS, type BatchRowRecord, rowFromRecord } from '../batch.mapper.js';
import type { BatchRowType } from '../batch.types.js';
import { duplicateIssue, type RowIssue } from '../pipeline/issues.js';

const GROUPS_PER_PAGE = 2_000;
/** Rows per update statement: two parameters each, far under both dialects' limits. */
const ROWS_PER_UPDATE = 1_000;

/**
 * Marks every row that gives an email to an account also given an email on
 * another row: each becomes INVALID with DUPLICATE_ACCOUNT naming the other
 * rows. Runs after all rows are stored, in SQL, a page of accounts at a time,
 * so memory does not grow with the file. Returns the rows it changed, at most
 * `reportLimit` of them, for the live problem list.
 */
export async function markDuplicates(db: SqlDatabase, batchId: string, reportLimit: number): Promise<{ marked: number; sample: BatchRowType[] }> {
  // The rows were just inserted: until the statistics know this batch id, PostgreSQL
  // estimates it at ~0 rows and may plan the lookups below on any index starting
  // with batch_id (measured: 25 ms per row instead of 0.3 ms).
  await db.analyze('batch_row');
  let marked = 0;
  const sample: BatchRowType[] = [];
  let afterAccount = '';
  for (;;) {
    // A walk of the batch's account index until 2,000 duplicated accounts are found: with few
    // duplicates that is most of the batch (~0.3 s for 500,000 rows on SQLite), so off the
    // server's thread. The rows it reads are committed and only this job writes them.
    const groups = await db.scans.query<{ account_id: string }>(
      `select account_id from batch_row
        where batch_id = $1 and new_email is not null and account_id is not null and account_id > $2
        group by account_id having count(*) > 1 order by account_id limit $3`,
      [batchId, afterAccount, GROUPS_PER_PAGE],
    );
    if (groups.length === 0) break;
    afterAccount = groups[groups.length - 1].account_id;
    const rows = await db.query<BatchRowRecord>(
      `select ${BATCH_ROW_COLUMNS} from batch_row
        where batch_id = $1 and new_email is not null and account_id ${db.anyOf(2)} order by account_id, row_number`,
      [batchId, groups.map((g) => g.account_id)],
    );
    const byAccount = new Map<string, BatchRowRecord[]>();
    for (const r of rows) {
      const list = byAccount.get(r.account_id as string) ?? [];
      list.push(r);
      byAccount.set(r.account_id as string, list);
    }
    const updates: Array<{ rowNumber: number; issues: string }> = [];
    for (const [accountId, group] of byAccount) {
      const numbers = group.map((r) => Number(r.row_number));
      for (const r of group) {
        const rowNumber = Number(r.row_number);
        // Only the first rows are named in the message; the rest are counted.
        const others = numbers.slice(0, 12).filter((n) => n !== rowNumber).slice(0, 11);
        const previous = r.issues ? (JSON.parse(r.issues) as RowIssue[]) : [];
        const issues = JSON.stringify([
          ...previous.filter((i) => i.severity === 'ERROR'),
          duplicateIssue(others, accountId, numbers.length - 1),
          ...previous.filter((i) => i.severity !== 'ERROR'),
        ]);
        updates.push({ rowNumber, issues });
        if (sample.length < reportLimit) {
          sample.push(rowFromRecord({ ...r, change: 'INVALID', apply_status: 'NOT_APPLICABLE', issues }));
        }
      }
    }
    // Not durable: a crash mid-validation ends the batch FAILED anyway, and the
    // durable commit that marks it VALIDATED flushes these with it.
    await db.transaction(
      async (tx) => {
        for (let start = 0; start < updates.length; start += ROWS_PER_UPDATE) {
          await markRows(tx, batchId, updates.slice(start, start + ROWS_PER_UPDATE));
        }
      },
      { durable: false },
    );
    marked += updates.length;
  }
  return { marked, sample };
}

/**
 * One statement for many rows instead of one per row. The CTE names the VALUES
 * columns the same way on SQLite (≥ 3.33 for UPDATE … FROM) and PostgreSQL, and
 * the casts give PostgreSQL the parameter types it cannot infer inside VALUES.
 * The redundant `in (select row_number from v)` makes SQLite search the primary
 * key per listed row; without it SQLite walked the whole batch through
 * batch_row_account_idx for every statement (500k rows: 179 ms → 12 ms per 1,000).
 */
async function markRows(tx: SqlTx, batchId: string, updates: Array<{ rowNumber: number; issues: string }>): Promise<void> {
  const params: SqlValue[] = [batchId, issueBit('DUPLICATE_ACCOUNT')];
  const tuples = updates.map((u) => {
    params.push(u.rowNumber, u.issues);
    return `(cast($${params.length - 1} as integer), cast($${params.length} as text))`;
  });
  await tx.execute(
    `with v (row_number, issues) as (values ${tuples.join(', ')})
     update batch_row set change = 'INVALID', apply_status = 'NOT_APPLICABLE', issues = v.issues, issue_mask = issue_mask | $2
       from v where batch_row.batch_id = $1 and batch_row.row_number = v.row_number
        and batch_row.row_number in (select row_number from v)`,
    params,
  );
}
