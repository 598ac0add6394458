import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlValue } from '../../../db/sql.js';
import { openScratchDatabase, type ScratchDatabase, TEST_DIALECTS } from '../../../db/test-utils.js';
import { issueBit } from '../batch-row.codes.js';
import { duplicateIssue, type RowIssue } from '../pipeline/issues.js';
import { markDuplicates } from './duplicates.js';


interface Row {
  rowNumber: number;
  accountId: string | null;
  newEmail: string | null;
  change: string;
  issues: RowIssue[];
}

const nameMismatch: RowIssue = { code: 'NAME_MISMATCH', severity: 'WARNING', message: 'First Name is "A" in the file but "B" on the account.' };
const badEmail: RowIssue = { code: 'INVALID_EMAIL', severity: 'ERROR', message: 'not an email' };

/** A file with more duplicate groups than one page and more duplicated rows than one update statement. */
function rowsOfFile(): Row[] {
  const rows: Row[] = [];
  let n = 2;
  const push = (accountId: string | null, newEmail: string | null, issues: RowIssue[] = [], change = 'ADD') => {
    rows.push({ rowNumber: n++, accountId, newEmail, change, issues });
  };
  for (let a = 0; a < 2_600; a++) push(`acct_${String(a).padStart(6, '0')}`, `a${a}@x.com`, a % 10 === 0 ? [nameMismatch] : []);
  for (let a = 0; a < 2_600; a++) push(`acct_${String(a).padStart(6, '0')}`, `b${a}@x.com`, a % 7 === 0 ? [badEmail, nameMismatch] : [], a % 7 === 0 ? 'INVALID' : 'REPLACE');
  for (let i = 0; i < 15; i++) push('acct_many', `m${i}@x.com`);
  // Not duplicates: a second row without an email, unique accounts, rows without an account.
  push('acct_once', 'once@x.com');
  push('acct_once', null, [], 'SKIPPED');
  for (let i = 0; i < 50; i++) push(`acct_unique_${i}`, `u${i}@x.com`);
  push(null, 'nobody@x.com', [badEmail], 'INVALID');
  push(null, 'nobody@x.com', [badEmail], 'INVALID');
  return rows;
}

/** What the pass must produce: the original per-row algorithm. */
function expected(rows: Row[]): Map<number, { issues: string; mask: number }> {
  const byAccount = new Map<string, Row[]>();
  for (const r of rows) {
    if (r.accountId === null || r.newEmail === null) continue;
    byAccount.set(r.accountId, [...(byAccount.get(r.accountId) ?? []), r]);
  }
  const out = new Map<number, { issues: string; mask: number }>();
  for (const [accountId, group] of byAccount) {
    if (group.length < 2) continue;
    const numbers = group.map((r) => r.rowNumber);
    for (const r of group) {
      const others = numbers.slice(0, 12).filter((x) => x !== r.rowNumber).slice(0, 11);
      const issues = [
        ...r.issues.filter((i) => i.severity === 'ERROR'),
        duplicateIssue(others, accountId, numbers.length - 1),
        ...r.issues.filter((i) => i.severity !== 'ERROR'),
      ];
      out.set(r.rowNumber, { issues: JSON.stringify(issues), mask: issues.reduce((m, i) => m | issueBit(i.code), 0) });
    }
  }
  return out;
}

describe.each(TEST_DIALECTS)('markDuplicates on %s', (dialect) => {
  let opened: ScratchDatabase;
  const rows = rowsOfFile();
  beforeAll(async () => {
    opened = await openScratchDatabase(dialect, 'dup');
    const { db } = opened;
    const now = new Date();
    await db.execute('insert into platform (id, name, created_at) values ($1, $2, $3)', ['pl_dup', 'Dup', now]);
    for (const id of ['ub_dup', 'ub_other']) {
      await db.execute(
        `insert into upload_batch (id, platform_id, status, created_at, updated_at, expires_at) values ($1, 'pl_dup', 'VALIDATING', $2, $2, $2)`,
        [id, now],
      );
    }
    const columns = ['batch_id', 'row_number', 'account_id', 'new_email', 'change', 'issue_mask', 'issues', 'apply_status'];
    const values = (batchId: string): SqlValue[][] =>
      rows.map((r) => [
        batchId,
        r.rowNumber,
        r.accountId,
        r.newEmail,
        r.change,
        r.issues.reduce((m, i) => m | issueBit(i.code), 0),
        r.issues.length ? JSON.stringify(r.issues) : null,
        r.change === 'ADD' || r.change === 'REPLACE' ? 'PENDING' : 'NOT_APPLICABLE',
      ]);
    await db.transaction((tx) => tx.insertMany('batch_row', columns, [...values('ub_dup'), ...values('ub_other')]));
  }, 120_000);
  afterAll(async () => {
    await opened?.close();
  });

  it('marks every duplicated row exactly as the per-row algorithm did, and no other row', async () => {
    const want = expected(rows);
    const result = await markDuplicates(opened.db, 'ub_dup', 1_000);
    expect(result.marked).toBe(want.size);
    expect(want.size).toBe(2 * 2_600 + 15);

    const stored = await opened.db.query<{ row_number: number; change: string; apply_status: string; issues: string | null; issue_mask: number }>(
      `select row_number, change, apply_status, issues, issue_mask from batch_row where batch_id = $1 order by row_number`,
      ['ub_dup'],
    );
    for (const s of stored) {
      const row = rows[Number(s.row_number) - 2];
      const w = want.get(Number(s.row_number));
      if (w) {
        expect([s.change, s.apply_status, s.issues, Number(s.issue_mask)]).toEqual(['INVALID', 'NOT_APPLICABLE', w.issues, w.mask]);
      } else {
        expect([s.change, s.issues]).toEqual([row.change, row.issues.length ? JSON.stringify(row.issues) : null]);
      }
    }
    // The message names at most 11 other rows and counts the rest.
    expect(want.get(5_202)?.issues).toMatch(/rows 5203, [0-9, ]+ and [0-9]+ more/);

    // The live sample: the first rows in account, then row order, with their new state.
    expect(result.sample).toHaveLength(1_000);
    expect(result.sample[0]).toMatchObject({ rowNumber: 2, accountId: 'acct_000000', change: 'INVALID', applyStatus: 'NOT_APPLICABLE' });
    expect(result.sample[1]).toMatchObject({ rowNumber: 2 + 2_600, accountId: 'acct_000000' });
    expect(result.sample[1].issues.map((i) => i.code)).toEqual(['INVALID_EMAIL', 'DUPLICATE_ACCOUNT', 'NAME_MISMATCH']);

    // Another batch naming the same accounts is untouched.
    const [{ n }] = await opened.db.query<{ n: number | string }>(
      `select count(*) as n from batch_row where batch_id = 'ub_other' and (issue_mask & $1) <> 0`,
      [issueBit('DUPLICATE_ACCOUNT')],
    );
    expect(Number(n)).toBe(0);
  });
});
