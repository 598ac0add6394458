import 'reflect-metadata';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ROW_ISSUE_CODES, type RowApplyStatus, maskOf } from './batch-row.codes.js';
import { batchRowFilterSql, countFromHistogram, parseRowHistogram, type RowFilter, type RowHistogram } from './batch-row-filter.js';
import { countFromSummary } from './batch-rows.service.js';
import { UploadBatchStatus } from './lifecycle/batch-status.js';
import type { BatchRowFilter, UploadBatchType } from './batch.types.js';
import { countersOf } from './validation/recount.js';

interface Row {
  change: string;
  mask: number;
  applyStatus: RowApplyStatus;
}

const CHANGES = ['ADD', 'REPLACE', 'UNCHANGED', 'SKIPPED', 'INVALID'];
const STATUSES: RowApplyStatus[] = ['NOT_APPLICABLE', 'PENDING', 'APPLIED', 'CONFLICT', 'FAILED', 'ROLLED_BACK', 'ROLLBACK_CONFLICT'];

/** A row as validation and apply leave it: only ADD/REPLACE rows go through the apply. */
const row: fc.Arbitrary<Row> = fc
  .record({
    change: fc.constantFrom(...CHANGES),
    codes: fc.subarray([...ROW_ISSUE_CODES], { maxLength: 3 }),
    applied: fc.constantFrom<RowApplyStatus>('PENDING', 'APPLIED', 'CONFLICT', 'FAILED', 'ROLLED_BACK', 'ROLLBACK_CONFLICT'),
  })
  .map(({ change, codes, applied }) => ({
    change,
    mask: maskOf(codes),
    applyStatus: change === 'ADD' || change === 'REPLACE' ? applied : 'NOT_APPLICABLE',
  }));

const filter: fc.Arbitrary<RowFilter> = fc.record(
  {
    changes: fc.subarray(CHANGES),
    issueCodes: fc.subarray([...ROW_ISSUE_CODES]),
    applyStatuses: fc.subarray(STATUSES),
  },
  { requiredKeys: [] },
);

/** What `select count(*) … where <filterSql>` keeps, evaluated in memory. */
function keeps(r: Row, f: RowFilter): boolean {
  if (f.changes?.length && !f.changes.includes(r.change)) return false;
  if (f.applyStatuses?.length && !f.applyStatuses.includes(r.applyStatus)) return false;
  if (f.issueCodes?.length && (r.mask & maskOf(f.issueCodes)) === 0) return false;
  return true;
}

/** What recount's `group by change, issue_mask` gives. */
function histogramOf(rows: Row[]): RowHistogram {
  const buckets = new Map<string, [string, number, number]>();
  for (const r of rows) {
    const key = `${r.change}:${r.mask}`;
    const b = buckets.get(key) ?? [r.change, r.mask, 0];
    b[2]++;
    buckets.set(key, b);
  }
  return [...buckets.values()];
}

function batchOf(rows: Row[], opts: { histogram: boolean; status?: UploadBatchStatus }): UploadBatchType {
  const histogram = histogramOf(rows);
  const c = countersOf(histogram);
  const count = (s: RowApplyStatus) => rows.filter((r) => r.applyStatus === s).length;
  return {
    id: 'ub_test',
    status: opts.status ?? UploadBatchStatus.COMPLETED,
    summary: {
      totalRows: c.total,
      processedRows: c.total,
      additions: c.additions,
      replacements: c.replacements,
      unchanged: c.unchanged,
      skipped: c.skipped,
      invalid: c.invalid,
      warnings: c.warnings,
      // A rollback leaves `applied` as it was: its rows moved on to ROLLED_BACK or ROLLBACK_CONFLICT.
      applied: count('APPLIED') + count('ROLLED_BACK') + count('ROLLBACK_CONFLICT'),
      conflicts: count('CONFLICT'),
      failed: count('FAILED'),
      rolledBack: count('ROLLED_BACK'),
      rollbackConflicts: count('ROLLBACK_CONFLICT'),
    },
    issueCounts: c.issueCounts,
    rowHistogram: opts.histogram ? histogram : null,
  } as UploadBatchType;
}

describe('review totals from the batch counters and row histogram', () => {
  it('are exact for every filter they answer, and answer every filter without an apply status', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 60 }), filter, fc.boolean(), (rows, f, histogram) => {
        const batch = batchOf(rows, { histogram });
        const expected = rows.filter((r) => keeps(r, f)).length;
        const got = countFromSummary(batch, f as BatchRowFilter);
        if (got !== null) expect(got).toBe(expected);
        if (histogram && !f.applyStatuses?.length) expect(got).toBe(expected);
      }),
      { numRuns: 2_000 },
    );
  });

  it('answer apply statuses combined with other filters while every row to apply is still pending', () => {
    const rows: Row[] = [
      { change: 'ADD', mask: 0, applyStatus: 'PENDING' },
      { change: 'REPLACE', mask: maskOf(['CLAIMED_EMAIL_REPLACED']), applyStatus: 'PENDING' },
      { change: 'INVALID', mask: maskOf(['UNKNOWN_ACCOUNT', 'NAME_MISMATCH']), applyStatus: 'NOT_APPLICABLE' },
      { change: 'SKIPPED', mask: maskOf(['NAME_MISMATCH']), applyStatus: 'NOT_APPLICABLE' },
    ];
    const batch = batchOf(rows, { histogram: true, status: UploadBatchStatus.VALIDATED });
    const warnings: BatchRowFilter['issueCodes'] = ['NAME_MISMATCH', 'CLAIMED_EMAIL_REPLACED'] as BatchRowFilter['issueCodes'];
    expect(countFromSummary(batch, { issueCodes: warnings })).toBe(3);
    expect(countFromSummary(batch, { issueCodes: warnings, applyStatuses: ['PENDING'] } as BatchRowFilter)).toBe(1);
    expect(countFromSummary(batch, { issueCodes: warnings, applyStatuses: ['APPLIED'] } as BatchRowFilter)).toBe(0);
    expect(countFromSummary(batch, { issueCodes: warnings, applyStatuses: ['NOT_APPLICABLE'] } as BatchRowFilter)).toBe(2);
  });

  it('count (null) when the histogram cannot tell which rows to apply got which status', () => {
    const rows: Row[] = [
      { change: 'ADD', mask: 0, applyStatus: 'APPLIED' },
      { change: 'REPLACE', mask: 0, applyStatus: 'CONFLICT' },
    ];
    const batch = batchOf(rows, { histogram: true });
    expect(countFromSummary(batch, { changes: ['ADD'], applyStatuses: ['APPLIED'] } as BatchRowFilter)).toBeNull();
    expect(countFromSummary(batch, { applyStatuses: ['APPLIED'] } as BatchRowFilter)).toBe(1);
  });

  it('count while validating, and for multi-code filters of batches validated before the histogram', () => {
    const rows: Row[] = [{ change: 'INVALID', mask: maskOf(['UNKNOWN_ACCOUNT', 'NAME_MISMATCH']), applyStatus: 'NOT_APPLICABLE' }];
    const codes = { issueCodes: ['UNKNOWN_ACCOUNT', 'NAME_MISMATCH'] } as BatchRowFilter;
    expect(countFromSummary(batchOf(rows, { histogram: true, status: UploadBatchStatus.VALIDATING }), codes)).toBeNull();
    expect(countFromSummary(batchOf(rows, { histogram: false }), codes)).toBeNull();
    expect(countFromSummary(batchOf(rows, { histogram: true }), codes)).toBe(1);
  });

  it('sums the counters recount stores from the histogram', () => {
    const h: RowHistogram = [
      ['ADD', 0, 5],
      ['ADD', maskOf(['NAME_MISMATCH']), 2],
      ['INVALID', maskOf(['DUPLICATE_ACCOUNT', 'NAME_MISMATCH']), 3],
      ['SKIPPED', 0, 1],
    ];
    expect(countersOf(h)).toMatchObject({ total: 11, additions: 7, invalid: 3, skipped: 1, warnings: 5 });
    expect(countersOf(h).issueCounts).toMatchObject({ NAME_MISMATCH: 5, DUPLICATE_ACCOUNT: 3, UNKNOWN_ACCOUNT: 0 });
    expect(countFromHistogram(h, { changes: ['ADD', 'INVALID'], issueCodes: ['NAME_MISMATCH'] }, { toApply: 7, applied: 0, conflicts: 0, failed: 0 })).toBe(5);
  });

  it('reads back only a well-formed stored histogram', () => {
    expect(parseRowHistogram(JSON.stringify([['ADD', 0, 3]]))).toEqual([['ADD', 0, 3]]);
    expect(parseRowHistogram(null)).toBeNull();
    expect(parseRowHistogram('{"ADD":3}')).toBeNull();
    expect(parseRowHistogram('[["ADD","0",3]]')).toBeNull();
  });

  it('builds the filter SQL with numbered parameters after the caller’s', () => {
    const params: unknown[] = ['ub_1'];
    const where = batchRowFilterSql({ changes: ['ADD', 'REPLACE'], applyStatuses: ['PENDING'], issueCodes: ['NAME_MISMATCH'] }, params);
    expect(where).toEqual(['change in ($2, $3)', 'apply_status in ($4)', 'issue_mask <> 0 and (issue_mask & $5) <> 0']);
    expect(params).toEqual(['ub_1', 'ADD', 'REPLACE', 'PENDING', maskOf(['NAME_MISMATCH'])]);
  });
});
