import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { gqlData } from '../support/graphql.js';
import { HEADER, type Row, allRows, uploadAndValidate } from '../support/flow.js';

interface Acc {
  id: string;
  business_name: string | null;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  user_claimed_email: number | boolean;
  status: string;
}

describe('row rules: every change and every issue code with exact row numbers', () => {
  let t: TestApp;
  let auth: { apiKey: string };
  let mine: Acc[];
  let theirs: Acc[];

  beforeAll(async () => {
    t = await startTestApp();
    const a = await t.platform('Rows A', 400);
    const b = await t.platform('Rows B', 30);
    auth = { apiKey: a.apiKey };
    const q = 'select id, business_name, first_name, last_name, email, user_claimed_email, status from connected_account where platform_id = $1 order by id';
    mine = await t.app.services.db.query<Acc>(q, [a.platformId]);
    theirs = await t.app.services.db.query<Acc>(q, [b.platformId]);
  });
  afterAll(() => t.stop());

  it('classifies a mixed file exactly', async () => {
    const active = mine.filter((m) => m.status === 'active' || m.status === 'restricted');
    const noEmail = active.filter((m) => !m.email);
    const unclaimed = active.filter((m) => m.email && !m.user_claimed_email);
    const claimed = active.find((m) => m.email && m.user_claimed_email)!;
    const closed = mine.find((m) => m.status === 'closed' || m.status === 'rejected')!;
    const named = unclaimed.slice(2).find((m) => m.business_name)!;
    const dup = noEmail[1];
    const [local, domain] = unclaimed[1].email!.split('@');
    const foreign = theirs.find((x) => !mine.some((m) => m.id === x.id))!;
    const lines = [
      HEADER,
      /* 2 */ `${noEmail[0].id},,,,added@example.com,✗`,
      /* 3 */ `${unclaimed[0].id},,,,replaced@example.com,✗`,
      /* 4 */ `${claimed.id},,,,claimed-replaced@example.com,✔`,
      /* 5 */ `  ${unclaimed[1].id}  ,,,,  ${local}@${domain.toUpperCase()}  ,✗`,
      /* 6 */ `${noEmail[2].id},,,,,✗`,
      /* 7 */ 'acct-123,,,,x@example.com,✗',
      /* 8 */ 'acct_doesnotexist99,,,,x@example.com,✗',
      /* 9 */ `${foreign.id},,,,x@example.com,✗`,
      /* 10 */ `${closed.id},,,,x@example.com,✗`,
      /* 11 */ `${noEmail[3].id},,,,not-an-email,✗`,
      /* 12 */ `${dup.id},,,,one@example.com,✗`,
      /* 13 */ `${dup.id},,,,two@example.com,✗`,
      /* 14 */ `${named.id},Totally Different Name,,,renamed@example.com,✗`,
      /* 15 */ `${dup.id},,,,,✗`,
    ];
    const batch = await uploadAndValidate(t.url, auth, `${lines.join('\n')}\n`);
    expect(batch.status).toBe('VALIDATED');
    const rows = await allRows(t.url, auth, batch.id);
    const byRow = new Map(rows.map((r) => [r.rowNumber, r]));
    const codes = (n: number) => byRow.get(n)!.issues.map((i) => i.code);
    const change = (n: number) => byRow.get(n)!.change;

    expect(rows.map((r) => r.rowNumber)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(byRow.get(2)).toMatchObject({ change: 'ADD', newEmail: 'added@example.com', currentEmail: null, issues: [], applyStatus: 'PENDING' });
    expect(byRow.get(3)).toMatchObject({ change: 'REPLACE', currentEmail: unclaimed[0].email, issues: [] });
    expect(change(4)).toBe('REPLACE');
    expect(byRow.get(4)!.issues).toEqual([{ code: 'CLAIMED_EMAIL_REPLACED', severity: 'WARNING', message: expect.stringContaining(claimed.email!) }]);
    expect(byRow.get(5)).toMatchObject({ change: 'UNCHANGED', accountId: unclaimed[1].id, newEmail: unclaimed[1].email, applyStatus: 'NOT_APPLICABLE' });
    expect(byRow.get(6)).toMatchObject({ change: 'SKIPPED', issues: [] });
    expect([change(7), codes(7)]).toEqual(['INVALID', ['INVALID_ACCOUNT_ID']]);
    expect([change(8), codes(8)]).toEqual(['INVALID', ['UNKNOWN_ACCOUNT']]);
    expect([change(9), codes(9)]).toEqual(['INVALID', ['UNKNOWN_ACCOUNT']]);
    // Another platform's account gets exactly the answer of an account that does not exist.
    const msg = (n: number) => byRow.get(n)!.issues[0].message.replace(byRow.get(n)!.accountId!, '<id>');
    expect(msg(9)).toBe(msg(8));
    expect([change(10), codes(10)]).toEqual(['INVALID', ['ACCOUNT_NOT_ELIGIBLE']]);
    expect([change(11), codes(11)]).toEqual(['INVALID', ['INVALID_EMAIL']]);
    expect([change(12), codes(12)]).toEqual(['INVALID', ['DUPLICATE_ACCOUNT']]);
    expect([change(13), codes(13)]).toEqual(['INVALID', ['DUPLICATE_ACCOUNT']]);
    expect(byRow.get(12)!.issues[0].message).toContain('row 13');
    expect(byRow.get(13)!.issues[0].message).toContain('row 12');
    expect(byRow.get(12)!.issues[0].message).not.toContain('15');
    expect([change(14), codes(14)]).toEqual(['REPLACE', ['NAME_MISMATCH']]);
    expect(byRow.get(14)!.issues[0]).toMatchObject({ severity: 'WARNING', message: expect.stringContaining('Totally Different Name') });
    expect(change(15)).toBe('SKIPPED');
    for (const r of rows) for (const i of r.issues) expect(i.message.length).toBeGreaterThan(15);

    expect(batch.summary).toEqual({
      totalRows: 14,
      processedRows: 14,
      additions: 1,
      replacements: 3,
      unchanged: 1,
      skipped: 2,
      invalid: 7,
      warnings: 2,
      applied: 0,
      conflicts: 0,
      failed: 0,
    });

    // Review filters: by change, by issue code, by apply status, with totals.
    const filtered = async (filter: Record<string, unknown>) => {
      const data = await gqlData<{ uploadBatch: { rows: { totalCount: number; edges: Array<{ node: Row }> } } }>(
        t.url,
        auth,
        'query($id: ID!, $f: BatchRowFilter) { uploadBatch(id: $id) { rows(first: 2, filter: $f) { totalCount edges { node { rowNumber } } } } }',
        { id: batch.id, f: filter },
      );
      return { total: data.uploadBatch.rows.totalCount, first: data.uploadBatch.rows.edges.map((e) => e.node.rowNumber) };
    };
    expect(await filtered({ changes: ['INVALID'] })).toEqual({ total: 7, first: [7, 8] });
    expect(await filtered({ issueCodes: ['UNKNOWN_ACCOUNT', 'NAME_MISMATCH'] })).toEqual({ total: 3, first: [8, 9] });
    expect(await filtered({ changes: ['ADD', 'REPLACE'], issueCodes: ['CLAIMED_EMAIL_REPLACED'] })).toEqual({ total: 1, first: [4] });
    expect(await filtered({ applyStatuses: ['PENDING'] })).toEqual({ total: 4, first: [2, 3] });
    // Totals come from the batch's counters where they can: they must equal the rows a client pages through.
    const single = [
      ...['ADD', 'REPLACE', 'UNCHANGED', 'SKIPPED', 'INVALID'].map((c) => ({ changes: [c] })),
      ...['NOT_APPLICABLE', 'PENDING', 'APPLIED'].map((a) => ({ applyStatuses: [a] })),
      ...['UNKNOWN_ACCOUNT', 'DUPLICATE_ACCOUNT', 'NAME_MISMATCH', 'CLAIMED_EMAIL_REPLACED'].map((c) => ({ issueCodes: [c] })),
      { changes: ['ADD', 'SKIPPED'] },
      {},
    ];
    for (const f of single) {
      const paged = await allRows(t.url, auth, batch.id, f);
      const data = await gqlData<{ uploadBatch: { rows: { totalCount: number } } }>(
        t.url,
        auth,
        'query($id: ID!, $f: BatchRowFilter) { uploadBatch(id: $id) { rows(first: 1, filter: $f) { totalCount } } }',
        { id: batch.id, f },
      );
      expect([f, data.uploadBatch.rows.totalCount]).toEqual([f, paged.length]);
    }
  });

  it('writes the error report as formula-safe CSV of every row', async () => {
    const lines = [HEADER, `${mine[0].id},=HYPERLINK("http://evil"),,,not-an-email,✗`, `${mine[1].id},,,,,✗`];
    const batch = await uploadAndValidate(t.url, auth, lines.join('\n'));
    const data = await gqlData<{ uploadBatch: { errorReportUrl: string } }>(t.url, auth, 'query($id: ID!) { uploadBatch(id: $id) { errorReportUrl } }', {
      id: batch.id,
    });
    const res = await fetch(data.uploadBatch.errorReportUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/attachment/);
    const text = (await res.text()).replace(/^\uFEFF/, '');
    const out = text.trimEnd().split('\n');
    expect(out[0]).toBe('Row,Account ID,Business Name,Current Email,New Email,Change,Issue Codes,Issue Messages,Apply Status,File Email');
    expect(out).toHaveLength(3);
    expect(out[1]).toMatch(/^2,/);
    expect(out[1]).toContain('INVALID_EMAIL');
    expect(out[1]).toContain(',INVALID,');
    expect(out[2]).toMatch(/^3,.*,SKIPPED,,,NOT_APPLICABLE,$/);
    expect(text).not.toMatch(/(^|,)=HYPERLINK/m);
    // A forged or foreign token gets nothing.
    const forged = data.uploadBatch.errorReportUrl.replace(/token=[^&]+/, 'token=abc.def');
    expect((await fetch(forged)).status).toBe(401);
  });
});
