import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../server/src/modules/auth/auth.service.js';
import { Role } from '../../server/src/modules/auth/dashboard-user.entity.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { HEADER, uploadAndValidate } from '../support/flow.js';
import {
  ConsoleWatch,
  focused,
  focusIsVisible,
  launchBrowser,
  newContext,
  SKIP_BROWSER_TESTS,
  shot,
  signInWithForm,
  tabTo,
} from './support/browser.js';
import { type BuiltClient, builtClient } from './support/client-build.js';
import { accountCounts, eligibleAccounts, statValue, text } from './support/dashboard.js';

const PLATFORM = 'E2E Access Market';
/** Over a thousand, so that French number formatting (a narrow no-break space) shows on the home page. */
const ACCOUNTS = 1_100;

/**
 * What the flow suite does not cover: keyboard-only use, a viewer who cannot confirm, the French
 * dashboard, and a laptop-width (1024 px) layout.
 */
describe.skipIf(SKIP_BROWSER_TESTS)('dashboard e2e: keyboard, roles, French', () => {
  let client: BuiltClient;
  let t: TestApp;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const watches: ConsoleWatch[] = [];
  let platform: { platformId: string; apiKey: string; admin: { email: string; password: string } };
  let viewer: { email: string; password: string };
  let batchId: string;
  let freeAccounts: string[];

  async function open(label: string, options: Parameters<typeof newContext>[1] = {}): Promise<{ page: Page; watch: ConsoleWatch }> {
    const context = await newContext(browser, options);
    contexts.push(context);
    const page = await context.newPage();
    const watch = new ConsoleWatch(page, label);
    watches.push(watch);
    return { page, watch };
  }

  beforeAll(async () => {
    browser = await launchBrowser();
    client = builtClient();
    t = await startTestApp({ CLIENT_DIST: client.dir });
    platform = await t.platform(PLATFORM, ACCOUNTS);
    viewer = await createUser(t.app.services.orm.em.fork(), { platformId: platform.platformId, email: 'viewer@e2e.example', role: Role.VIEWER });
    freeAccounts = (await eligibleAccounts(t.url, platform.apiKey, { missingEmailOnly: 3 })).map((a) => a.id);
    expect(freeAccounts).toHaveLength(3);
    // A validated upload waiting for an admin: 2 additions.
    const csv = [HEADER, `${freeAccounts[0]},,,,first@e2e.example,✗`, `${freeAccounts[1]},,,,second@e2e.example,✗`].join('\n');
    const batch = await uploadAndValidate(t.url, { apiKey: platform.apiKey }, `${csv}\n`, 'waiting for an admin.csv');
    expect(batch.status).toBe('VALIDATED');
    batchId = batch.id;
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await t?.stop();
    client?.cleanup();
  });

  it('completes the flow with the keyboard only: sign in, Get started, choose the file, confirm', async () => {
    const { page, watch } = await open('keyboard');
    await page.goto(`${t.url}/sign-in`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    // The email field has the focus on arrival, with a visible focus ring.
    expect(await focused(page)).toMatchObject({ tag: 'input', type: 'email' });
    expect(await focusIsVisible(page)).toBe(true);
    await page.keyboard.type(platform.admin.email);
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ tag: 'input', type: 'password' });
    await page.keyboard.type(platform.admin.password);
    await shot(page, '20-keyboard-sign-in');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${t.url}/`);
    watch.signedOut = false;
    await page.getByRole('heading', { name: 'Home', level: 1 }).waitFor();

    // The page after sign-in takes the focus at its heading.
    await page.waitForFunction(`document.activeElement?.tagName === 'H1'`);
    expect(await focused(page)).toMatchObject({ tag: 'h1', text: 'Home' });
    await tabTo(page, (el) => el.tag === 'a' && el.text === 'Get started', 'the Get started link');
    expect(await focusIsVisible(page)).toBe(true);
    await shot(page, '21-keyboard-get-started', false);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${t.url}/batches/new`);
    await page.getByRole('heading', { name: 'New upload', level: 1 }).waitFor();

    await tabTo(page, (el) => el.tag === 'a' && (el.href ?? '').includes('/files/template'), 'the template download link');
    expect(await focusIsVisible(page)).toBe(true);
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);

    // The file input is visually hidden; its focus shows on the "Choose a file" button it belongs to.
    // (Listening first lets Playwright intercept the chooser before the key opens it.)
    const chooserOpened = page.waitForEvent('filechooser');
    await tabTo(page, (el) => el.tag === 'input' && el.type === 'file', 'the file input');
    expect(await focusIsVisible(page, '.dropzone label.button')).toBe(true);
    await shot(page, '22-keyboard-upload-step', false);
    const csv = `${HEADER}\r\n${freeAccounts[2]},,,,keyboard@e2e.example,✗\r\n`;
    await page.keyboard.press('Enter');
    const chooser = await chooserOpened;
    await chooser.setFiles({ name: 'typed by keyboard.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.waitForURL(/\/batches\/ub_/);
    await page.getByRole('heading', { name: /^Review/ }).waitFor({ timeout: 30_000 });

    await tabTo(page, (el) => el.tag === 'button' && el.text === 'Apply the changes…', 'the confirm button');
    expect(await focusIsVisible(page)).toBe(true);
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Apply these changes now?' });
    await dialog.waitFor();
    await tabTo(page, (el) => el.tag === 'button' && el.text === 'Yes, apply now', 'the dialog’s confirm button', 5);
    await shot(page, '23-keyboard-confirm-dialog', false);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Done' }).waitFor({ timeout: 30_000 });
    expect(await statValue(page.locator('section[aria-labelledby=done-title]'), 'Applied')).toBe('1');
    await shot(page, '24-keyboard-done');

    // On a fresh load the first Tab stop is the skip link, which jumps over the header.
    await page.reload();
    await page.getByRole('heading', { name: 'Done' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ tag: 'a', text: 'Skip to content' });
    expect(await focusIsVisible(page)).toBe(true);
    await page.keyboard.press('Enter');
    expect(await focused(page)).toMatchObject({ tag: 'main' });
    expect(watch.problems).toEqual([]);
  });

  it('a viewer sees everything but cannot confirm, upload or manage webhooks, and is told why', async () => {
    const { page, watch } = await open('viewer');
    await signInWithForm(page, t.url, viewer.email, viewer.password);
    watch.signedOut = false;
    await page.getByText('Viewer', { exact: true }).waitFor();

    await page.goto(`${t.url}/batches/${batchId}`);
    await page.getByRole('heading', { name: 'waiting for an admin.csv', level: 1 }).waitFor();
    const confirm = page.getByRole('button', { name: 'Apply the changes…' });
    await confirm.waitFor();
    expect(await confirm.isDisabled()).toBe(true);
    const reasonId = await confirm.getAttribute('aria-describedby');
    expect(reasonId).toBeTruthy();
    expect(await text(page.locator(`[id="${reasonId}"]`))).toBe(
      `Only an admin of ${PLATFORM} can confirm. Ask an admin to review and confirm this upload.`,
    );
    expect(await page.getByRole('button', { name: 'Cancel this upload' }).count()).toBe(0);
    await shot(page, '25-viewer-cannot-confirm');

    await page.goto(`${t.url}/batches/new`);
    await page.getByRole('link', { name: 'Download the template (CSV)' }).waitFor();
    expect(await page.locator('input[type=file]').isDisabled()).toBe(true);
    await page.getByText('Only an admin can upload files. You can download the template.').waitFor();
    await shot(page, '26-viewer-cannot-upload', false);

    await page.goto(`${t.url}/webhooks`);
    await page.getByText('Only an admin can add or delete endpoints.').waitFor();
    expect(await page.getByRole('button', { name: 'Add endpoint' }).count()).toBe(0);
    expect(watch.problems).toEqual([]);
  });

  it('switches to French, remembered, with French numbers, at laptop width (1024 px)', async () => {
    const { page, watch } = await open('french', { viewport: { width: 1024, height: 800 } });
    await signInWithForm(page, t.url, viewer.email, viewer.password);
    watch.signedOut = false;
    await page.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
    await page.getByLabel('Language').selectOption('fr');
    await page.getByRole('heading', { name: 'Accueil', level: 1 }).waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    await page.getByRole('link', { name: 'Imports', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Se déconnecter' }).waitFor();

    const counts = await accountCounts(t.url, platform.apiKey);
    expect(counts.eligible).toBeGreaterThan(999);
    // French groups thousands with a (narrow) no-break space and puts one before the percent sign.
    const eligible = await statValue(page, 'Comptes éligibles');
    expect(eligible).toMatch(/^\d[\u202f\u00a0]\d{3}$/);
    expect(eligible.replace(/\D/g, '')).toBe(String(counts.eligible));
    expect(await text(page.locator('.stat-hint').nth(1))).toMatch(/^\d+[\u202f\u00a0]% des comptes éligibles/);
    expect(await noHorizontalScroll(page)).toBe(true);
    await shot(page, '27-french-home-1024');

    // Remembered across a reload.
    await page.reload();
    await page.getByRole('heading', { name: 'Accueil', level: 1 }).waitFor();

    await page.goto(`${t.url}/batches/${batchId}`);
    await page.getByText('Prêt à vérifier').first().waitFor();
    const confirm = page.getByRole('button', { name: 'Appliquer les modifications…' });
    expect(await confirm.isDisabled()).toBe(true);
    await page.getByText(`Seul un admin de ${PLATFORM} peut confirmer.`, { exact: false }).waitFor();
    await page.getByText('2 lignes', { exact: true }).waitFor();
    expect(await text(page.locator('.page-description'))).toMatch(/créé le \d{1,2} [a-zéû]+\.? \d{4}/);
    expect(await noHorizontalScroll(page)).toBe(true);
    await shot(page, '28-french-batch-1024');

    await page.goto(`${t.url}/batches/new`);
    await page.getByRole('heading', { name: 'Nouvel import', level: 1 }).waitFor();
    await page.getByText(/^1[\u202f\u00a0]\d{3} comptes éligibles/).waitFor();
    expect(await noHorizontalScroll(page)).toBe(true);
    await shot(page, '29-french-new-upload-1024');

    await page.goto(`${t.url}/accounts`);
    await page.getByRole('heading', { name: 'Comptes', level: 1 }).waitFor();
    await page.locator('table tbody tr').first().waitFor();
    expect(await noHorizontalScroll(page)).toBe(true);
    await shot(page, '30-french-accounts-1024');
    expect(watch.problems).toEqual([]);
  });
});

/** The page fits the window: no sideways scrolling of the whole page (tables may scroll inside). */
async function noHorizontalScroll(page: Page): Promise<boolean> {
  return page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');
}
