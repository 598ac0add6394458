import type { Browser, BrowserContext, FileChooser, Page } from 'playwright-core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { getBatch, HEADER, uploadAndValidate, waitForStatus } from '../support/flow.js';
import { until } from '../support/poll.js';
import { gqlData } from '../support/graphql.js';
import { ConsoleWatch, focused, launchBrowser, newContext, SKIP_BROWSER_TESTS, shot, signInWithForm, tabTo } from './support/browser.js';
import { type BuiltClient, builtClient } from './support/client-build.js';
import { type AccountOnFile, eligibleAccounts, text } from './support/dashboard.js';

/** The row number of the row that has the keyboard focus (null when focus is elsewhere). */
const FOCUSED_ROW = `(() => { const el = document.activeElement; return el && el.tagName === 'TR' ? Number(el.getAttribute('data-row')) : null; })()`;

/**
 * The review table in real Chromium: search, sort, combined filters with their count, jump to a
 * row, keyboard navigation and the row's detail sheet (Escape gives the focus back), the account's
 * email as it is after the apply, cards on a phone, and issue messages in French.
 */
describe.skipIf(SKIP_BROWSER_TESTS)('dashboard e2e: the review table', () => {
  let client: BuiltClient;
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let watch: ConsoleWatch;
  let platform: { apiKey: string; admin: { email: string; password: string } };
  let accounts: AccountOnFile[];
  let batchId = '';
  const ROWS = 150;

  beforeAll(async () => {
    browser = await launchBrowser();
    client = builtClient();
    t = await startTestApp({ CLIENT_DIST: client.dir });
    platform = await t.platform('E2E Review Table', 260);
    accounts = await eligibleAccounts(t.url, platform.apiKey);
    // Rows 2…151: mostly additions/replacements, every 10th blank (skipped), every 25th a bad email,
    // row 7 a role address.
    const lines = [HEADER];
    for (let i = 0; i < ROWS; i++) {
      const a = accounts[i];
      if (i === 5) lines.push(`${a.id},,,,noreply@acme-corp.com,✗`);
      else if (i % 25 === 12) lines.push(`${a.id},,,,broken-${i},✗`);
      else if (i % 10 === 3) lines.push(`${a.id},,,,,✗`);
      else lines.push(`${a.id},,,,review.${i}@table.example,✗`);
    }
    const batch = await uploadAndValidate(t.url, { apiKey: platform.apiKey }, `${lines.join('\n')}\n`, 'review-table.csv');
    expect(batch.status).toBe('VALIDATED');
    batchId = batch.id;
    context = await newContext(browser, { viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    watch = new ConsoleWatch(page, 'admin');
    await signInWithForm(page, t.url, platform.admin.email, platform.admin.password);
    watch.signedOut = false;
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await t?.stop();
    client?.cleanup();
  });

  const count = () => page.locator('.rt-count');
  const grid = () => page.getByRole('grid', { name: 'Rows' });

  it('shows every row’s problem in words, with the count', async () => {
    await page.goto(`${t.url}/batches/${batchId}`);
    await grid().waitFor();
    await count().filter({ hasText: `${ROWS} rows` }).waitFor();
    expect(await grid().getAttribute('aria-rowcount')).toBe(String(ROWS + 1));
    expect(Number(await grid().getAttribute('aria-colcount'))).toBeGreaterThanOrEqual(7);
    const role = page.locator('.vrows-row[data-row="7"]');
    await role.getByText(/is a role address \(noreply@\) that reaches a team or nobody/).waitFor();
    await role.getByRole('img', { name: 'Warning' }).waitFor();
    const bad = page.locator('.vrows-row[data-row="14"]');
    await bad.getByText(/"broken-12" is not a valid email address/).waitFor();
    await bad.getByRole('img', { name: 'Error' }).waitFor();
    await shot(page, 'review-01-table-1440');
    expect(watch.problems).toEqual([]);
  });

  it('searches on the server by account id, email or name', async () => {
    const search = page.getByLabel('Search rows');
    await search.fill(accounts[40].id);
    await count().filter({ hasText: /^1 row$/ }).waitFor();
    expect(await text(page.locator('.vrows-row').first())).toContain(accounts[40].id);
    expect(page.url()).toContain(`q=${accounts[40].id}`);

    await search.fill('REVIEW.4');
    // review.4, review.40…review.49 less the blanks and bad emails among them.
    const expected = [4, ...Array.from({ length: 10 }, (_, k) => 40 + k)].filter((i) => i % 10 !== 3 && i % 25 !== 12 && i !== 5);
    await count().filter({ hasText: new RegExp(`^${expected.length} rows$`) }).waitFor();
    expect(await page.locator('.vrows-row').count()).toBe(expected.length);

    const named = accounts.slice(0, ROWS).find((a, i) => a.businessName && a.businessName.length > 8 && i % 10 !== 3) as AccountOnFile;
    const piece = (named.businessName as string).slice(0, 8);
    await search.fill(piece);
    await page.locator('.vrows-row').filter({ hasText: named.id }).waitFor();
    const shown = Number((await text(count())).split(' ')[0].replace(/\D/g, ''));
    expect(shown).toBe(await page.locator('.vrows-row').count());
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await count().filter({ hasText: `${ROWS} rows` }).waitFor();
  });

  it('sorts by change and combines change, issue and search filters, the count following', async () => {
    await page.getByLabel('Sort', { exact: true }).selectOption('CHANGE_DESC');
    await page.locator('.vrows-row').first().filter({ hasText: 'Invalid' }).waitFor();
    const firstRows = await page.locator('.vrows-row').evaluateAll((rows) => rows.slice(0, 6).map((r) => Number(r.getAttribute('data-row'))));
    // Invalid rows (every 25th from row 14) come first, in descending row order.
    expect(firstRows.slice(0, 6)).toEqual([139, 114, 89, 64, 39, 14]);
    await page.getByLabel('Sort', { exact: true }).selectOption('ROW_NUMBER');

    await page.getByLabel('Change', { exact: true }).selectOption('INVALID');
    await page.getByLabel('Issue', { exact: true }).selectOption('INVALID_EMAIL');
    await count().filter({ hasText: /^6 rows$/ }).waitFor();
    await page.getByLabel('Search rows').fill('broken-11');
    // Of broken-12, -37, -62, -87, -112, -137, only broken-112.
    await count().filter({ hasText: /^1 row$/ }).waitFor();
    expect(await page.locator('.vrows-row').first().getAttribute('data-row')).toBe('114');
    await page.getByLabel('Change', { exact: true }).selectOption('ADD');
    await count().filter({ hasText: /^0 rows$/ }).waitFor();
    await page.getByText('No row matches these filters.').waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await count().filter({ hasText: `${ROWS} rows` }).waitFor();
  });

  it('jumps to a row, moves with the arrows, opens it with Enter and gives the focus back on Escape', async () => {
    await page.goto(`${t.url}/batches/${batchId}`);
    await count().filter({ hasText: `${ROWS} rows` }).waitFor();
    const jump = page.getByLabel('Go to row');
    await jump.fill('120');
    await jump.press('Enter');
    await page.waitForFunction(`${FOCUSED_ROW} === 120`);
    await page.keyboard.press('ArrowDown');
    await page.waitForFunction(`${FOCUSED_ROW} === 121`);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    await page.waitForFunction(`${FOCUSED_ROW} === 119`);
    await page.keyboard.press('Enter');
    const sheet = page.getByRole('dialog', { name: 'Row 119' });
    await sheet.waitFor();
    await sheet.getByText(accounts[117].id).waitFor();
    await sheet.getByText('review.117@table.example').waitFor();
    expect((await focused(page)).text).toBe('Close');
    await shot(page, 'review-02-detail');
    await page.keyboard.press('Escape');
    await sheet.waitFor({ state: 'detached' });
    await page.waitForFunction(`${FOCUSED_ROW} === 119`);
    await page.keyboard.press('End');
    await page.waitForFunction(`${FOCUSED_ROW} === ${ROWS + 1}`);
    await page.keyboard.press('Home');
    await page.waitForFunction(`${FOCUSED_ROW} === 2`);

    await jump.fill('9999');
    await jump.press('Enter');
    await page.getByText('This file has no row 9,999.').waitFor();
  });

  it('shows the account’s email as it is now in the detail, after the apply', async () => {
    await gqlData(t.url, { apiKey: platform.apiKey }, 'mutation($id: ID!) { confirmUploadBatch(id: $id) { id } }', { id: batchId });
    await waitForStatus(t.url, { apiKey: platform.apiKey }, batchId, ['COMPLETED']);
    // The account changes again after the apply (e.g. another batch): the detail says what it is now.
    await t.app.services.db.execute("update connected_account set email = 'changed.later@table.example' where id = $1", [accounts[2].id]);
    await page.goto(`${t.url}/batches/${batchId}`);
    await page.getByLabel('Apply status').waitFor();
    const jump = page.getByLabel('Go to row');
    await jump.fill('4');
    await jump.press('Enter');
    await page.waitForFunction(`${FOCUSED_ROW} === 4`);
    await page.keyboard.press('Enter');
    const sheet = page.getByRole('dialog', { name: 'Row 4' });
    await sheet.getByText('The account’s email now').waitFor();
    expect(await text(sheet.getByTestId('email-now'))).toBe('changed.later@table.example');
    await sheet.getByText('review.2@table.example').waitFor();
    await sheet.getByText('Applied', { exact: true }).waitFor();
    await page.keyboard.press('Escape');
    await page.waitForFunction(`${FOCUSED_ROW} === 4`);
    expect(watch.problems).toEqual([]);
  });

  it('shows cards with the email, the change and the problem at 390 px, without horizontal scroll', async () => {
    const phone = await newContext(browser, { viewport: { width: 390, height: 844 } });
    const p = await phone.newPage();
    await signInWithForm(p, t.url, platform.admin.email, platform.admin.password);
    await p.goto(`${t.url}/batches/${batchId}?issue=ROLE_EMAIL`);
    const card = p.locator('.rt-narrow .vrows-row').first();
    await card.waitFor();
    const cardText = await text(card);
    expect(cardText).toContain('noreply@acme-corp.com');
    expect(cardText).toMatch(/Add|Replace/);
    expect(cardText).toMatch(/role address/);
    const box = await card.boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 390).toBe(true);
    const section = p.locator('#rows');
    const fits = await section.evaluate((el) => el.scrollWidth <= el.clientWidth && el.getBoundingClientRect().right <= 390);
    expect(fits).toBe(true);
    await shot(p, 'review-03-cards-390');
    await phone.close();
  });

  it('words the issue messages in French', async () => {
    const fr = await newContext(browser, { locale: 'fr-FR' });
    const p = await fr.newPage();
    await signInWithForm(p, t.url, platform.admin.email, platform.admin.password);
    await p.goto(`${t.url}/batches/${batchId}`);
    const role = p.locator('.vrows-row[data-row="7"]');
    await role.getByText(/noreply@acme-corp\.com est une adresse de fonction \(noreply@\)/).waitFor();
    await role.getByRole('img', { name: 'Avertissement' }).waitFor();
    // The reason an address is refused, worded from its code: no English left in a French row.
    const bad = p.locator('.vrows-row[data-row="14"]');
    await bad.getByText('"broken-12" n’est pas une adresse e-mail valide. L’adresse n’a pas de « @ ».').waitFor();
    await p.locator('.rt-count').filter({ hasText: /^150 lignes$/ }).waitFor();
    await shot(p, 'review-04-french');
    await fr.close();
  });
});

/**
 * Keyboard only, on a 500,000-row file: upload it from the New upload page (the file picker reached
 * with Tab and opened with Space; only the operating system's dialog is played by the test), wait
 * for the review, Tab to "Go to row", jump to row 250,000, open it and close it, fix its invalid
 * email in place, then Shift+Tab to "Apply the changes…" and apply. SQLite only (seeding,
 * validating and applying half a million rows on both databases would double its minutes in CI).
 */
describe.skipIf(SKIP_BROWSER_TESTS || process.env.TEST_DB !== 'sqlite')('dashboard e2e: a 500,000-row file by keyboard', () => {
  const ROWS = 500_000;
  const TARGET = 250_000; // the spreadsheet row number (data row 249,999)
  let client: BuiltClient;
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let platform: { apiKey: string; platformId: string; admin: { email: string; password: string } };
  let dir = '';
  let file = '';
  let targetAccount = '';

  beforeAll(async () => {
    browser = await launchBrowser();
    client = builtClient();
    t = await startTestApp({ CLIENT_DIST: client.dir });
    platform = await t.platform('E2E Half Million', ROWS);
    const ids = await t.app.services.db.query<{ id: string; status: string }>(
      'select id, status from connected_account where platform_id = $1 order by id',
      [platform.platformId],
    );
    // Row 250,000 has an address without a dot in its domain: the one row the user fixes. Its
    // account must be one whose email may change (closed and rejected ones are refused anyway).
    const eligible = (i: number) => ids[i].status !== 'closed' && ids[i].status !== 'rejected';
    let swap = TARGET - 2;
    while (!eligible(swap)) swap++;
    [ids[TARGET - 2], ids[swap]] = [ids[swap], ids[TARGET - 2]];
    const parts = [HEADER];
    for (const [i, r] of ids.entries()) parts.push(i === TARGET - 2 ? `${r.id},,,,bulk.${i}@half,✗` : `${r.id},,,,bulk.${i}@half.example,✗`);
    targetAccount = ids[TARGET - 2].id;
    dir = mkdtempSync(join(tmpdir(), 'comms-e2e-half-million-'));
    file = join(dir, 'half-million.csv');
    writeFileSync(file, `${parts.join('\n')}\n`);
    context = await newContext(browser, { viewport: { width: 1440, height: 900 } });
  }, 600_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await t?.stop();
    client?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('uploads, jumps to row 250,000, fixes it and applies, with the keyboard alone', { timeout: 600_000 }, async () => {
    const started = Date.now();
    const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
    const page = await context.newPage();
    // Listened for from the start: Playwright turns on its file-chooser interception when the first
    // listener is added, asynchronously; added just before the key press, the press could reach the
    // page first and the operating system's dialog (absent in headless) would get the file chooser.
    const chooser = new Promise<FileChooser>((resolve) => page.once('filechooser', resolve));
    const watch = new ConsoleWatch(page, 'admin');
    await signInWithForm(page, t.url, platform.admin.email, platform.admin.password);
    watch.signedOut = false;
    const auth = { apiKey: platform.apiKey };

    await page.goto(`${t.url}/batches/new`);
    await tabTo(page, (el) => el.tag === 'input' && el.type === 'file', 'the file picker', 40);
    await page.keyboard.press('Space');
    const noChooser = new Promise<never>((_, fail) =>
      setTimeout(() => fail(new Error('Space on the file input opened no file chooser within 30 s')), 30_000).unref(),
    );
    await (await Promise.race([chooser, noChooser])).setFiles(file);
    await page.waitForURL(/\/batches\/ub_/, { timeout: 120_000 });
    const batchId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() as string);
    // Polled every 2 s, a dropped connection retried: the machine may be busy while half a million rows validate.
    let status = '';
    await until(
      async () => {
        status = (await getBatch(t.url, auth, batchId).catch(() => null))?.status ?? status;
        return ['VALIDATED', 'REJECTED', 'FAILED'].includes(status);
      },
      480_000,
      'the 500,000-row batch validated',
      2_000,
    );
    expect(status).toBe('VALIDATED');
    const validated = await getBatch(t.url, auth, batchId);
    console.log(`500k keyboard e2e: uploaded and validated at ${elapsed()}`);

    await page.locator('.rt-count').filter({ hasText: '500,000 rows' }).waitFor({ timeout: 60_000 });
    expect(await page.getByRole('grid', { name: 'Rows' }).getAttribute('aria-rowcount')).toBe(String(ROWS + 1));
    // The scrollbar spans every row: the body is 500,000 rows tall.
    const bodyHeight = await page.locator('.rt .vrows-body').evaluate((el) => el.getBoundingClientRect().height);
    expect(bodyHeight).toBeGreaterThan(ROWS * 50);

    await tabTo(page, (el) => el.tag === 'input' && el.type === 'number', 'the "Go to row" field', 80);
    await page.keyboard.type(String(TARGET));
    await page.keyboard.press('Enter');
    await page.waitForFunction(`${FOCUSED_ROW} === ${TARGET}`, undefined, { timeout: 20_000 });
    await page.keyboard.press('ArrowDown');
    await page.waitForFunction(`${FOCUSED_ROW} === ${TARGET + 1}`);
    await page.keyboard.press('ArrowUp');
    await page.waitForFunction(`${FOCUSED_ROW} === ${TARGET}`);
    await page.keyboard.press('Enter');
    const sheet = page.getByRole('dialog', { name: 'Row 250,000' });
    await sheet.getByText(`bulk.${TARGET - 2}@half`, { exact: true }).first().waitFor();
    await shot(page, 'review-05-half-million-row-250000');
    await page.keyboard.press('Escape');
    await sheet.waitFor({ state: 'detached' });
    await page.waitForFunction(`${FOCUSED_ROW} === ${TARGET}`);

    // Fix it in place: Tab into the row's email, Enter to edit, type, Enter to save.
    await page.keyboard.press('Tab');
    expect((await focused(page)).text).toContain(`bulk.${TARGET - 2}@half`);
    await page.keyboard.press('Enter');
    const input = page.getByRole('textbox', { name: 'New email of row 250,000' });
    await input.waitFor();
    await page.keyboard.press('Control+A');
    await page.keyboard.type(`fixed.${TARGET - 2}@half.example`);
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Row 250,000 updated' }).waitFor({ timeout: 30_000 });
    // One invalid row fewer, one change more.
    const fixed = await getBatch(t.url, auth, batchId);
    expect(fixed?.summary.invalid).toBe((validated?.summary.invalid ?? 0) - 1);
    const changes = (b: typeof fixed) => (b?.summary.additions ?? 0) + (b?.summary.replacements ?? 0);
    expect(changes(fixed)).toBe(changes(validated) + 1);
    console.log(`500k keyboard e2e: jumped, opened, fixed at ${elapsed()}`);

    // Back up to the Apply button, then the dialog: Cancel has the focus, Tab to "Yes, apply now".
    await tabTo(page, (el) => el.tag === 'button' && el.text.startsWith('Apply the changes'), 'the Apply button', 120, { backward: true });
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Apply these changes now?' });
    await dialog.waitFor();
    await tabTo(page, (el) => el.tag === 'button' && el.text.startsWith('Yes, apply now'), '"Yes, apply now"', 5);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Done' }).waitFor({ timeout: 300_000 });
    const done = await getBatch(t.url, auth, batchId);
    expect(done?.status).toBe('COMPLETED');
    expect(done?.summary.applied).toBe(changes(fixed));
    const [account] = await t.app.services.db.query<{ email: string }>('select email from connected_account where id = $1', [targetAccount]);
    expect(account.email).toBe(`fixed.${TARGET - 2}@half.example`);
    await shot(page, 'review-06-half-million-applied');
    expect(watch.problems).toEqual([]);
    console.log(`500k keyboard e2e: applied at ${elapsed()}`);
  });
});
