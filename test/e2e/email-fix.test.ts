import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { HEADER, uploadAndValidate, waitForStatus } from '../support/flow.js';
import { ConsoleWatch, launchBrowser, newContext, SKIP_BROWSER_TESTS, shot, signInWithForm } from './support/browser.js';
import { type BuiltClient, builtClient } from './support/client-build.js';
import { type AccountOnFile, eligibleAccounts, statValue, text } from './support/dashboard.js';

/**
 * Fixing a file in the review, in real Chromium: a typo fixed with the suggestion in one click, an
 * invalid row fixed by typing (keyboard only: Enter to edit, Enter to save, Escape to cancel), the
 * counts moving, a filter per warning, the rows-to-fix download, then the apply of what was fixed;
 * and the template step's choice of accounts.
 */
describe.skipIf(SKIP_BROWSER_TESTS)('dashboard e2e: fixing rows in the review', () => {
  let client: BuiltClient;
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let watch: ConsoleWatch;
  let platform: { apiKey: string; admin: { email: string; password: string } };
  let noEmail: AccountOnFile[];
  let batchId = '';

  beforeAll(async () => {
    browser = await launchBrowser();
    client = builtClient();
    t = await startTestApp({ CLIENT_DIST: client.dir });
    platform = await t.platform('E2E Fix Market', 40);
    noEmail = (await eligibleAccounts(t.url, platform.apiKey)).filter((a) => !a.email);
    context = await newContext(browser);
    page = await context.newPage();
    watch = new ConsoleWatch(page, 'admin');
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await t?.stop();
    client?.cleanup();
  });

  it('shows the warnings of an uploaded file with the suggestion', async () => {
    const lines = [
      HEADER,
      /* 2 */ `${noEmail[0].id},,,,jean.dupont@gmial.com,✗`,
      /* 3 */ `${noEmail[1].id},,,,not-an-email,✗`,
      /* 4 */ `${noEmail[2].id},,,,noreply@acme-corp.com,✗`,
      /* 5 */ `${noEmail[3].id},,,,x@yopmail.com,✗`,
      /* 6 */ `${noEmail[4].id},,,,paula@example.org,✗`,
    ];
    const batch = await uploadAndValidate(t.url, { apiKey: platform.apiKey }, lines.join('\n'), 'to-fix.csv');
    expect(batch.status).toBe('VALIDATED');
    batchId = batch.id;

    await signInWithForm(page, t.url, platform.admin.email, platform.admin.password);
    watch.signedOut = false;
    await page.goto(`${t.url}/batches/${batchId}`);
    await page.getByRole('heading', { name: /^Review/ }).waitFor();
    const summary = page.locator('section[aria-labelledby=summary-title]');
    expect(await statValue(summary, 'To add')).toBe('4');
    expect(await statValue(summary, 'Invalid')).toBe('1');
    expect(await statValue(summary, 'With warnings')).toBe('3');
    const typoRow = page.locator('.vrows-row').filter({ hasText: noEmail[0].id });
    await typoRow.getByText('Possible domain typo', { exact: true }).waitFor();
    await typoRow.getByRole('button', { name: 'Use gmail.com' }).waitFor();
    await page.locator('.vrows-row').filter({ hasText: noEmail[2].id }).getByText('Role address', { exact: true }).waitFor();
    await page.locator('.vrows-row').filter({ hasText: noEmail[3].id }).getByText('Disposable email', { exact: true }).waitFor();
    await page.getByRole('link', { name: 'Download rows to fix (CSV)' }).waitFor();
    await shot(page, 'fix-01-review-with-warnings');
  });

  it('filters by each warning', async () => {
    const rows = page.locator('.vrows-row');
    await page.getByLabel('Issue', { exact: true }).selectOption('ROLE_EMAIL');
    await page.getByText('1 row', { exact: true }).waitFor();
    expect(await text(rows.first())).toContain('noreply@acme-corp.com');
    await page.getByLabel('Issue', { exact: true }).selectOption('EMAIL_DOMAIN_TYPO');
    await page.getByText('1 row', { exact: true }).waitFor();
    expect(await text(rows.first())).toContain('jean.dupont@gmial.com');
    await shot(page, 'fix-02-filter-typo');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByText('5 rows', { exact: true }).waitFor();
  });

  it('fixes the typo in one click: the row updates in place and the counts move', async () => {
    const typoRow = page.locator('.vrows-row').filter({ hasText: noEmail[0].id });
    await typoRow.getByRole('button', { name: 'Use gmail.com' }).click();
    await typoRow.getByText('jean.dupont@gmail.com', { exact: true }).waitFor();
    await typoRow.getByText('File said: jean.dupont@gmial.com').waitFor();
    expect(await typoRow.getByText('Possible domain typo', { exact: true }).count()).toBe(0);
    const summary = page.locator('section[aria-labelledby=summary-title]');
    await expect.poll(() => statValue(summary, 'With warnings')).toBe('2');
    await page.getByRole('status').filter({ hasText: 'Row 2 updated' }).waitFor();
    await shot(page, 'fix-03-typo-fixed');
  });

  it('fixes the invalid row with the keyboard: Enter to edit, Escape to cancel, Enter to save', async () => {
    const invalidRow = page.locator('.vrows-row').filter({ hasText: noEmail[1].id });
    const cell = invalidRow.getByRole('button', { name: /not-an-email/ });
    await cell.focus();
    await page.keyboard.press('Enter');
    const input = invalidRow.getByRole('textbox', { name: 'New email of row 3' });
    await input.waitFor();
    expect(await input.inputValue()).toBe('not-an-email');
    // Escape: nothing changes, focus comes back to the cell.
    await page.keyboard.type('zzz');
    await page.keyboard.press('Escape');
    await cell.waitFor();
    await expect.poll(() => page.evaluate('document.activeElement ? document.activeElement.id : null')).toBe('row-email-3');
    // Enter, type, Enter: saved.
    await page.keyboard.press('Enter');
    await input.waitFor();
    await input.fill('');
    await page.keyboard.type('paul.martin@example.org');
    await shot(page, 'fix-04-editing-invalid-row');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Row 3' }).waitFor();
    expect(await page.getByRole('status').filter({ hasText: 'Row 3' }).textContent()).toBe('Row 3 updated: Add');
    await invalidRow.getByText('paul.martin@example.org', { exact: true }).waitFor();
    await invalidRow.getByText('File said: not-an-email').waitFor();
    expect(await text(invalidRow)).toContain('Add');
    const summary = page.locator('section[aria-labelledby=summary-title]');
    await expect.poll(() => statValue(summary, 'Invalid')).toBe('0');
    await expect.poll(() => statValue(summary, 'To add')).toBe('5');
    await shot(page, 'fix-05-invalid-row-fixed');
  });

  it('applies what was fixed in the review', async () => {
    await page.getByRole('button', { name: 'Apply the changes…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Apply these changes now?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Yes, apply now' }).click();
    await page.getByRole('heading', { name: 'Done' }).waitFor({ timeout: 30_000 });
    await waitForStatus(t.url, { apiKey: platform.apiKey }, batchId, ['COMPLETED']);
    const emails = await t.app.services.db.query<{ id: string; email: string }>(
      `select id, email from connected_account where id in ($1, $2)`,
      [noEmail[0].id, noEmail[1].id],
    );
    expect(new Map(emails.map((e) => [e.id, e.email]))).toEqual(
      new Map([
        [noEmail[0].id, 'jean.dupont@gmail.com'],
        [noEmail[1].id, 'paul.martin@example.org'],
      ]),
    );
    await shot(page, 'fix-06-applied');
    expect(watch.problems).toEqual([]);
  });

  it('offers the template for all eligible accounts, only those without an email, or only unclaimed ones', async () => {
    await page.goto(`${t.url}/batches/new`);
    const all = page.getByRole('radio', { name: /All eligible accounts/ });
    await all.waitFor();
    expect(await all.isChecked()).toBe(true);
    const eligible = await eligibleAccounts(t.url, platform.apiKey);
    const missing = eligible.filter((a) => !a.email).length;
    const unclaimed = eligible.filter((a) => !a.userClaimedEmail).length;
    await page.getByRole('radio', { name: `Only accounts without an email (${missing})` }).check();
    await page.getByText(`${missing} eligible accounts`).waitFor();
    await page.getByRole('radio', { name: `Only accounts whose holder has not claimed their email (${unclaimed})` }).waitFor();
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download the template (CSV)' }).click()]);
    const body = await new Promise<string>((resolve, reject) => {
      file
        .createReadStream()
        .then((stream) => {
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
          stream.on('error', reject);
        })
        .catch(reject);
    });
    const lines = body.replace(/^\uFEFF/, '').trimEnd().split('\n');
    expect(lines).toHaveLength(missing + 1);
    await shot(page, 'fix-07-template-choice');
  });
});
