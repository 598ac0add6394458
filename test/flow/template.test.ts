import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { HEADER, allRows, downloadTemplate, uploadAndValidate } from '../support/flow.js';

const TRICKY = [
  { id: 'acct_formula1', business: '=HYPERLINK("http://evil.example","click")', first: '+33 Jean', last: '-Dupont' },
  { id: 'acct_formula2', business: '@SUM(A1:A9)', first: '\tTabbed', last: 'Normal' },
  { id: 'acct_quotes', business: 'The "Best" Shop, Inc.', first: 'Ann, Marie', last: "O'Neil" },
  { id: 'acct_newline', business: 'Line one\nLine two', first: 'Zoë', last: 'Ünal' },
  { id: 'acct_claimed', business: 'Claimed Ltd', first: null, last: null },
];

describe('the template', () => {
  let t: TestApp;
  let auth: { apiKey: string };

  beforeAll(async () => {
    t = await startTestApp();
    const p = await t.platform('Template Co', 0);
    auth = { apiKey: p.apiKey };
    const now = new Date();
    for (const a of TRICKY) {
      await t.app.services.db.execute(
        `insert into connected_account (platform_id, id, business_name, first_name, last_name, email, user_claimed_email, status, version, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, 'active', 1, $8)`,
        [p.platformId, a.id, a.business, a.first, a.last, a.id === 'acct_claimed' ? 'old@example.com' : null, a.id === 'acct_claimed', now],
      );
    }
    await t.app.services.db.execute(
      `insert into connected_account (platform_id, id, business_name, email, user_claimed_email, status, version, updated_at)
       values ($1, 'acct_closed1', 'Closed Co', null, $2, 'closed', 1, $3)`,
      [p.platformId, false, now],
    );
  });
  afterAll(() => t.stop());

  it('neutralises formula cells, marks claimed ✔, leaves out ineligible accounts', async () => {
    const { text, rowCount } = await downloadTemplate(t.url, auth);
    expect(rowCount).toBe(TRICKY.length);
    expect(text.startsWith(`\uFEFF${HEADER}\n`)).toBe(true);
    expect(text).toContain(`acct_formula1,"'=HYPERLINK(""http://evil.example"",""click"")",'+33 Jean,'-Dupont,,✗`);
    expect(text).toContain("acct_formula2,'@SUM(A1:A9),'\tTabbed,Normal,,✗");
    expect(text).toContain('acct_quotes,"The ""Best"" Shop, Inc.","Ann, Marie",O\'Neil,,✗');
    expect(text).toContain('acct_newline,"Line one\nLine two",Zoë,Ünal,,✗');
    expect(text).toContain('acct_claimed,Claimed Ltd,,,,✔');
    expect(text).not.toContain('acct_closed1');
  });

  it('uploaded back with emails filled in raises no NAME_MISMATCH, neutralised cells included', async () => {
    const { text } = await downloadTemplate(t.url, auth);
    // Fill the email cell (the 5th) of every record: each ends with ",,✔" or ",,✗".
    let n = 0;
    const filled = text.replace(/,,(✔|✗)(\r?\n)/g, (_m, mark: string, eol: string) => `,filled.${n++}@example.com,${mark}${eol}`);
    expect(n).toBe(TRICKY.length);
    const batch = await uploadAndValidate(t.url, auth, filled, 'template-back.csv');
    expect(batch.status).toBe('VALIDATED');
    const rows = await allRows(t.url, auth, batch.id);
    expect(rows).toHaveLength(TRICKY.length);
    expect(rows.flatMap((r) => r.issues.filter((i) => i.code === 'NAME_MISMATCH'))).toEqual([]);
    expect(rows.map((r) => r.change).sort()).toEqual(['ADD', 'ADD', 'ADD', 'ADD', 'REPLACE']);
    expect(rows.find((r) => r.accountId === 'acct_claimed')?.issues.map((i) => i.code)).toEqual(['CLAIMED_EMAIL_REPLACED']);
  });

  it('refuses a download without credentials or with a bad token', async () => {
    expect((await fetch(`${t.url}/files/template`)).status).toBe(401);
    expect((await fetch(`${t.url}/files/template?token=x.y`)).status).toBe(401);
    const direct = await fetch(`${t.url}/files/template`, { headers: { authorization: `Bearer ${auth.apiKey}` } });
    expect(direct.status).toBe(200);
    // Credentials work as well as the signed link, and give the same file.
    expect(Buffer.from(await direct.arrayBuffer()).toString('utf8')).toBe((await downloadTemplate(t.url, auth)).text);
  });
});
