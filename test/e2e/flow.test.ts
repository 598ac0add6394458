import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { VALIDATE_JOB } from '../../server/src/modules/batches/batch.service.js';
import { getBatch } from '../support/flow.js';
import { gqlData } from '../support/graphql.js';
import { ARTIFACTS, ConsoleWatch, launchBrowser, newContext, SKIP_BROWSER_TESTS, shot } from './support/browser.js';
import { type BuiltClient, builtClient } from './support/client-build.js';
import { formatCsv, parseCsv } from './support/csv.js';
import {
  type AccountOnFile,
  accountCounts,
  eligibleAccounts,
  holdJobs,
  type Receiver,
  slowTransactions,
  statValue,
  text,
  webhookReceiver,
} from './support/dashboard.js';

const TEMPLATE_HEADER = [
  'Account ID',
  'Business Name',
  'First Name',
  'Last Name',
  'Email Address (please add or replace)',
  'User has claimed primary user email address',
];
const ACCOUNTS = 60;
const UPLOAD_NAME = 'my accounts – filled in (v2).csv';

/**
 * The collection flow of an admin in real Chromium against the real server and the production
 * build: sign in, home counts, template download, fill in, upload, live validation, review filters,
 * confirm, live apply to COMPLETED, deep-link reload, a refused file, webhook deliveries.
 */
describe.skipIf(SKIP_BROWSER_TESTS)('dashboard e2e: the collection flow of an admin', () => {
  let client: BuiltClient;
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let watch: ConsoleWatch;
  let receiver: Receiver;
  let slow: { on(): void; off(): void };
  let validation: { hold(): void; release(): Promise<void> };
  let platform: { apiKey: string; admin: { email: string; password: string } };
  let accounts: Map<string, AccountOnFile>;
  let adds: AccountOnFile[];
  let replaces: AccountOnFile[];
  let invalid: AccountOnFile;
  let batchUrl = '';
  /** Spreadsheet line of each account in the template: header = 1, first account = 2. */
  const rowNumbers = new Map<string, number>();

  beforeAll(async () => {
    browser = await launchBrowser();
    client = builtClient();
    // Small chunks so that 60 rows validate and apply in several visible steps.
    t = await startTestApp({ CLIENT_DIST: client.dir, VALIDATION_CHUNK_ROWS: '10', APPLY_CHUNK_ROWS: '2' });
    slow = slowTransactions(t.app.services.db, 300);
    validation = holdJobs(t.app.services.jobs, VALIDATE_JOB);
    platform = await t.platform('E2E Flow Market', ACCOUNTS);
    accounts = new Map((await eligibleAccounts(t.url, platform.apiKey)).map((a) => [a.id, a]));
    receiver = await webhookReceiver();
    context = await newContext(browser);
    page = await context.newPage();
    watch = new ConsoleWatch(page, 'admin');
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await receiver?.close();
    await t?.stop();
    client?.cleanup();
  });

  it('sends a signed-out visitor to sign-in, then signs in with the admin login', async () => {
    await page.goto(`${t.url}/batches`);
    await page.waitForURL(/\/sign-in\?next=%2Fbatches/);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await shot(page, '01-sign-in');

    await page.getByLabel('Email').fill(platform.admin.email);
    await page.getByLabel('Password').fill(platform.admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${t.url}/batches`);
    watch.signedOut = false;
    await page.getByRole('heading', { name: 'Batches', level: 1 }).waitFor();
    await page.getByText('No uploads yet').waitFor();
  });

  it('home shows the eligible accounts and how many lack an email', async () => {
    const counts = await accountCounts(t.url, platform.apiKey);
    expect(counts.eligible).toBe(accounts.size);
    await page.getByRole('link', { name: 'Home', exact: true }).click();
    await page.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
    await page.locator('.stat-value').first().waitFor();
    expect(await statValue(page, 'Eligible accounts')).toBe(String(counts.eligible));
    expect(await statValue(page, 'Without an email')).toBe(String(counts.missing));
    expect(await statValue(page, 'With an email')).toBe(String(counts.eligible - counts.missing));
    await shot(page, '02-home');
  });

  it('downloads the template with one click and fills emails into it', async () => {
    await page.getByRole('link', { name: 'Get started' }).first().click();
    await page.waitForURL(`${t.url}/batches/new`);
    const download = page.getByRole('link', { name: 'Download the template (CSV)' });
    await download.waitFor();
    await page.getByText(`${accounts.size} eligible accounts`).waitFor();
    await shot(page, '03-new-upload');

    const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
    const saved = join(ARTIFACTS, 'template.csv');
    await file.saveAs(saved);
    expect(file.suggestedFilename()).toMatch(/\.csv$/);
    const rows = parseCsv(readFileSync(saved, 'utf8'));
    expect(rows[0]).toEqual(TEMPLATE_HEADER);
    const data = rows.slice(1);
    expect(data).toHaveLength(accounts.size);
    expect(new Set(data.map((r) => r[0]))).toEqual(new Set(accounts.keys()));
    expect(data.every((r) => r[4] === '')).toBe(true);
    for (const [i, r] of data.entries()) rowNumbers.set(r[0], i + 2);

    const withoutEmail = [...accounts.values()].filter((a) => !a.email);
    const withEmail = [...accounts.values()].filter((a) => a.email && !a.userClaimedEmail);
    adds = withoutEmail.slice(0, 3);
    invalid = withoutEmail[3];
    replaces = withEmail.slice(0, 3);
    expect(adds).toHaveLength(3);
    expect(replaces).toHaveLength(3);
    expect(invalid).toBeDefined();
    const emails = new Map<string, string>([
      ...adds.map((a, i): [string, string] => [a.id, `added.${i}@e2e.example`]),
      ...replaces.map((a, i): [string, string] => [a.id, `replaced.${i}@E2E.example`]),
      [invalid.id, 'not-an-email'],
    ]);
    const filled = [rows[0], ...data.map((r) => r.map((cell, i) => (i === 4 ? (emails.get(r[0]) ?? '') : cell)))];

    // Upload with the file picker; the name does not matter. Validation waits until the page shows
    // the batch, and runs slowly, so that its live progress can be watched.
    validation.hold();
    slow.on();
    await page.locator('input[type=file]').setInputFiles({ name: UPLOAD_NAME, mimeType: 'text/csv', buffer: Buffer.from(formatCsv(filled)) });
    await page.waitForURL(/\/batches\/ub_[A-Za-z0-9]+$/);
    batchUrl = page.url();
    await page.getByRole('heading', { name: UPLOAD_NAME, level: 1 }).waitFor();
  });

  it('shows validation progress live, then the review counts', async () => {
    await page.getByRole('heading', { name: 'Validating the file' }).waitFor();
    await page.getByRole('progressbar', { name: 'Rows checked' }).waitFor();
    await validation.release();
    // Some rows checked, not all yet: the counts stream in.
    await page.waitForFunction(`(() => {
      const done = Number.parseInt(document.querySelector('.progress-value')?.textContent ?? '', 10);
      return done > 0 && done < ${ACCOUNTS} && document.querySelector('#validation-title') !== null;
    })()`);
    await shot(page, '04-validating');

    await page.getByRole('heading', { name: /^Review/ }).waitFor({ timeout: 30_000 });
    slow.off();
    const summary = page.locator('section[aria-labelledby=summary-title]');
    expect(await statValue(summary, 'To add')).toBe('3');
    expect(await statValue(summary, 'To replace')).toBe('3');
    expect(await statValue(summary, 'Unchanged')).toBe('0');
    expect(await statValue(summary, 'Invalid')).toBe('1');
    expect(await statValue(summary, 'Skipped (blank)')).toBe(String(accounts.size - 7));
    expect(await statValue(summary, 'With warnings')).toBe('0');
    await page.locator('.vrows-row').first().waitFor();
    await page.getByText(`${accounts.size} rows`, { exact: true }).waitFor();
    await shot(page, '05-review');
  });

  it('filters the review by change and by issue code', async () => {
    const rows = page.locator('.vrows-row');
    await page.getByLabel('Change', { exact: true }).selectOption('REPLACE');
    await page.getByText('3 rows', { exact: true }).waitFor();
    expect(page.url()).toContain('change=REPLACE');
    expect(await rows.count()).toBe(3);
    // Each row: row number, account id, business name, current email → new email, change, issues.
    for (const [i, account] of replaces.entries()) {
      const row = rows.filter({ hasText: account.id });
      const rowText = await text(row);
      if (account.businessName) expect(rowText).toContain(account.businessName);
      expect(rowText).toContain(account.email ?? '');
      expect(rowText).toContain(`replaced.${i}@e2e.example`);
      expect(rowText).toContain('Replace');
      expect(rowText.indexOf(account.email ?? '')).toBeLessThan(rowText.indexOf(`replaced.${i}@`));
      expect(rowText.startsWith(`${rowNumbers.get(account.id)}`)).toBe(true);
    }
    await shot(page, '06-review-filter-replace');

    await page.getByLabel('Change', { exact: true }).selectOption('');
    await page.getByLabel('Issue', { exact: true }).selectOption('INVALID_EMAIL');
    await page.getByText('1 row', { exact: true }).waitFor();
    expect(page.url()).toContain('issue=INVALID_EMAIL');
    expect(await rows.count()).toBe(1);
    const rowText = await text(rows.first());
    expect(rowText).toContain(invalid.id);
    expect(rowText).toContain('not-an-email');
    expect(rowText).toContain('Invalid email');
    await shot(page, '07-review-filter-invalid-email');

    // A summary card filters too; pressing it again clears.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByRole('button', { name: /^To add/ }).click();
    await page.getByText('3 rows', { exact: true }).waitFor();
    expect(await rows.count()).toBe(3);
    await page.getByRole('button', { name: /^To add/ }).click();
    await page.getByText(`${accounts.size} rows`, { exact: true }).waitFor();
  });

  it('confirms in a dialog that states exactly what happens, then applies live to COMPLETED', async () => {
    await gqlData(t.url, { apiKey: platform.apiKey }, 'mutation($url: String!) { createWebhookEndpoint(input: { url: $url }) { secret } }', {
      url: receiver.url,
    });
    await page.getByRole('button', { name: 'Apply the changes…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Apply these changes now?' });
    await dialog.waitFor();
    await dialog.getByText('webhook endpoint receives').waitFor();
    const said = await text(dialog);
    expect(said).toContain('3 accounts get an email address');
    expect(said).toContain('3 accounts have their email address replaced');
    expect(said).toContain('1 webhook endpoint receives one account.updated event per changed account: 6 in all.');
    expect(said).toContain(`${accounts.size - 6} rows (unchanged, blank or invalid) are not applied.`);
    await shot(page, '08-confirm-dialog', false);

    slow.on();
    await dialog.getByRole('button', { name: 'Yes, apply now' }).click();
    await page.getByRole('heading', { name: 'Applying the changes' }).waitFor();
    await page.getByRole('progressbar', { name: 'Rows processed' }).waitFor();
    await shot(page, '09-applying');

    await page.getByRole('heading', { name: 'Done' }).waitFor({ timeout: 30_000 });
    slow.off();
    const done = page.locator('section[aria-labelledby=done-title]');
    expect(await statValue(done, 'Applied')).toBe('6');
    expect(await statValue(done, 'Conflicts')).toBe('0');
    expect(await statValue(done, 'Failed')).toBe('0');
    await done.getByText('6 accounts now have their new email.').waitFor();
    await shot(page, '10-completed');

    const id = batchUrl.split('/').pop() ?? '';
    const batch = await getBatch(t.url, { apiKey: platform.apiKey }, id);
    expect(batch?.status).toBe('COMPLETED');
    expect(batch?.summary.applied).toBe(6);

    // The history: every step, who took it (the admin's email; the system for its own steps).
    const timeline = page.getByRole('region', { name: 'History' });
    await timeline.locator('.timeline-entry').nth(4).waitFor();
    const entries = await timeline.locator('.timeline-entry').allTextContents();
    expect(entries).toHaveLength(5);
    const expected = ['Awaiting upload', 'Validating', 'Ready to review', 'Applying', 'Completed'];
    for (const [i, status] of expected.entries()) expect(entries[i]).toContain(status);
    for (const i of [0, 1, 3]) expect(entries[i]).toContain(`by ${platform.admin.email}`);
    for (const i of [2, 4]) expect(entries[i]).toContain('by Comms Center');
    await timeline.scrollIntoViewIfNeeded();
    await shot(page, '10b-history', false);
  });

  it('reloads a batch deep link from the server (SPA fallback), filters included', async () => {
    const reloaded = await page.reload();
    expect(reloaded?.status()).toBe(200);
    expect(reloaded?.headers()['content-type']).toContain('text/html');
    await page.getByRole('heading', { name: 'Done' }).waitFor();

    const direct = await page.goto(`${batchUrl}?change=REPLACE`);
    expect(direct?.status()).toBe(200);
    await page.getByRole('heading', { name: UPLOAD_NAME, level: 1 }).waitFor();
    await page.getByText('3 rows', { exact: true }).waitFor();
    expect(await page.getByLabel('Change', { exact: true }).inputValue()).toBe('REPLACE');
    const rows = page.locator('.vrows-row');
    expect(await rows.count()).toBe(3);
    for (const text of await rows.allTextContents()) expect(text).toContain('Applied');
    await shot(page, '11-deep-link-reloaded');

    const unknown = await page.goto(`${t.url}/batches/ub_doesNotExist`);
    expect(unknown?.status()).toBe(200);
    await page.getByRole('heading', { name: 'Upload not found' }).waitFor();
  });

  it('explains a file with missing headers: expected beside found, and how to fix it', async () => {
    await page.goto(`${t.url}/batches/new`);
    await page
      .locator('input[type=file]')
      .setInputFiles({ name: 'contacts export.csv', mimeType: 'text/csv', buffer: Buffer.from('Account,E-mail,Name\r\nacct_1,a@example.com,A\r\n') });
    await page.getByRole('heading', { name: 'The file was refused' }).waitFor({ timeout: 30_000 });
    const panel = page.locator('section[aria-labelledby=file-error-title]');
    await panel.getByText('The first line of the file does not have the columns needed to update emails.').waitFor();
    const expected = panel.locator('.header-list').first();
    expect(await text(expected)).toMatch(/Account ID[\s\S]*missing[\s\S]*Email Address \(please add or replace\)[\s\S]*missing/);
    const found = await panel.locator('.header-found li').allTextContents();
    expect(found.map((s) => s.trim())).toEqual(['Account', 'E-mail', 'Name']);
    await panel.getByRole('heading', { name: 'How to fix it' }).waitFor();
    await panel.getByRole('link', { name: 'Upload a corrected file' }).waitFor();
    await shot(page, '12-missing-headers');
  });

  it('lists both uploads, and the webhook deliveries of the applied changes', async () => {
    await page.getByRole('link', { name: 'Batches', exact: true }).click();
    const table = page.getByRole('table');
    await table.getByText(UPLOAD_NAME).waitFor();
    await table.getByText('contacts export.csv').waitFor();
    expect(await text(table.locator('tr', { hasText: UPLOAD_NAME }))).toContain('Completed');
    expect(await text(table.locator('tr', { hasText: 'contacts export.csv' }))).toContain('Rejected');
    await shot(page, '13-batches');

    await vi.waitFor(() => expect(receiver.received()).toBeGreaterThanOrEqual(6), { timeout: 20_000, interval: 200 });
    await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
    await page.getByRole('heading', { name: 'Recent deliveries' }).waitFor();
    await vi.waitFor(
      async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        const delivered = await text(page.locator('.inline-facts div', { hasText: 'Delivered' }).locator('dd'));
        expect(delivered).toBe('6');
      },
      { timeout: 15_000, interval: 500 },
    );
    expect(await page.locator('.endpoint tbody tr').count()).toBe(6);
    await shot(page, '14-webhooks');
  });

  it('logged no console error and no uncaught exception', () => {
    expect(watch.problems).toEqual([]);
  });
});
