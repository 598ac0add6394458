import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../server/src/modules/auth/auth.service.js';
import { Role } from '../../server/src/modules/auth/dashboard-user.entity.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { HEADER, uploadAndValidate } from '../support/flow.js';
import { gqlData } from '../support/graphql.js';
import { ConsoleWatch, focused, launchBrowser, newContext, SKIP_BROWSER_TESTS, signInWithForm, tabTo } from './support/browser.js';
import { type BuiltClient, builtClient } from './support/client-build.js';
import { eligibleAccounts } from './support/dashboard.js';

/** Long on purpose: the header must wrap it, never cut it without the full name at hand. */
const PLATFORM = 'Marché des Artisans Indépendants de Provence-Alpes-Côte d’Azur';
const ACCOUNTS = 80;
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** Every state of every page, per language and width (git-ignored); docs/images holds a few copies. */
const SHOTS = join(root, 'test-artifacts', 'screenshots');
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

const WIDTHS = [
  { name: 'desktop', viewport: { width: 1440, height: 900 } },
  { name: 'phone', viewport: { width: 390, height: 844 } },
] as const;
const LANGS = [
  { lang: 'en', locale: 'en-US' },
  { lang: 'fr', locale: 'fr-FR' },
] as const;
/**
 * axe-core scans every page at both widths, once each (English at 1440 px, French at 390 px): the
 * markup is the same in both languages, and a scan costs seconds per page on a busy CI machine.
 */
const SCANNED = new Set(['en-desktop', 'fr-phone']);

interface Finding {
  page: string;
  what: string;
}

// Page scripts are strings: the test project compiles without the DOM library.
/**
 * Elements whose own text does not fit their box: wider (or taller, when the box clips) than the
 * box. An ellipsis or a line clamp is accepted only with the full value in a title or aria-label.
 */
const CLIPPED_TEXT = `(() => {
  const out = [];
  const hidden = (el) => el.closest('.visually-hidden, [hidden], [aria-hidden="true"]');
  for (const el of document.body.querySelectorAll('*')) {
    if (!(el instanceof HTMLElement) || hidden(el)) continue;
    if (['INPUT', 'SELECT', 'TEXTAREA', 'OPTION', 'SCRIPT', 'STYLE', 'svg'].includes(el.tagName)) continue;
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim() !== '');
    if (!own || el.clientWidth === 0) continue;
    const style = getComputedStyle(el);
    if (style.display === 'inline' || style.visibility === 'hidden') continue;
    const clips = style.overflowX !== 'visible' || style.overflowY !== 'visible';
    const wide = el.scrollWidth > el.clientWidth + 1;
    const tall = clips && el.scrollHeight > el.clientHeight + 2;
    if (!wide && !tall) continue;
    const text = el.textContent.trim().replace(/\\s+/g, ' ');
    const full = (el.getAttribute('title') || el.getAttribute('aria-label') || el.closest('[title]')?.getAttribute('title') || '');
    const elided = style.textOverflow === 'ellipsis' || style.webkitLineClamp !== 'none';
    if (elided && full && text.includes(full.trim().slice(0, 20))) continue;
    out.push(el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '') +
      ' "' + text.slice(0, 60) + '" ' + el.scrollWidth + 'x' + el.scrollHeight + ' in ' + el.clientWidth + 'x' + el.clientHeight);
  }
  return out;
})()`;

/** The page's width against the window's, and the innermost elements that stick out on the right. */
const PAGE_WIDTH = `(() => {
  const client = document.documentElement.clientWidth;
  const out = [...document.body.querySelectorAll('*')]
    .filter((el) => el.getBoundingClientRect().right > client + 1 && ![...el.children].some((c) => c.getBoundingClientRect().right > client + 1))
    .slice(0, 3)
    .map((el) => el.tagName.toLowerCase() + '.' + String(el.className).split(' ').join('.'));
  return { scroll: document.documentElement.scrollWidth, client, out };
})()`;

/** Email parts (split at "@" and dots) each on one line: the address wrapped only at its joints. */
const EMAIL_PARTS_SPLIT = `(() => [...document.querySelectorAll('.email > span')]
  .filter((part) => [...part.getClientRects()].filter((r) => r.width > 0).length > 1)
  .map((part) => part.parentElement.textContent))()`;

const AXE_RUN = `(async () => {
  const result = await window.axe.run(document, { resultTypes: ['violations'] });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => v.impact + ' ' + v.id + ': ' + v.help + ' → ' + v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(' | '));
})()`;

/**
 * The dashboard shell at a phone's width and a desktop's, in English and French: every page has no
 * horizontal scroll, no clipped text and no serious or critical axe-core violation; the menu, the
 * skip link and the dialogs keep the focus where a keyboard user expects it.
 */
// Layout, language and accessibility of the pages, not data paths: the database changes nothing
// here, so the shell walk runs once, in the SQLite pass (CI time), like the 500,000-row keyboard run.
describe.skipIf(SKIP_BROWSER_TESTS || process.env.TEST_DB !== 'sqlite')('dashboard e2e: the shell from 390 px to 1440 px, English and French', () => {
  let client: BuiltClient;
  let t: TestApp;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let platform: { platformId: string; apiKey: string; admin: { email: string; password: string } };
  let viewer: { email: string; password: string };
  let reviewId: string;

  async function open(label: string, options: Parameters<typeof newContext>[1]): Promise<{ page: Page; watch: ConsoleWatch }> {
    const context = await newContext(browser, options);
    contexts.push(context);
    const page = await context.newPage();
    return { page, watch: new ConsoleWatch(page, label) };
  }

  /** Waits for the page's heading and for its loading states to end. */
  async function settle(page: Page): Promise<void> {
    await page.locator('h1').first().waitFor();
    await page.waitForFunction(`!document.querySelector('.state-loading, [aria-busy="true"]')`);
    await page.evaluate('document.fonts.ready');
  }

  /** Checks one page as it is on screen; returns what is wrong, and saves a screenshot. */
  async function inspect(page: Page, name: string, axe: boolean): Promise<Finding[]> {
    const started = Date.now();
    await settle(page);
    const settled = Date.now();
    const findings: Finding[] = [];
    const width = await page.evaluate<{ scroll: number; client: number; out: string[] }>(PAGE_WIDTH);
    if (width.scroll > width.client) {
      findings.push({ page: name, what: `page scrolls sideways: ${width.scroll} px wide in ${width.client} px (${width.out.join(', ')})` });
    }
    for (const what of await page.evaluate<string[]>(CLIPPED_TEXT)) findings.push({ page: name, what: `clipped text: ${what}` });
    for (const what of await page.evaluate<string[]>(EMAIL_PARTS_SPLIT)) findings.push({ page: name, what: `email cut mid-word: ${what}` });
    if (axe) {
      await page.addScriptTag({ path: AXE });
      for (const what of await page.evaluate<string[]>(AXE_RUN)) findings.push({ page: name, what: `axe ${what}` });
    }
    const checked = Date.now();
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true, animations: 'disabled', caret: 'hide' });
    if (process.env.SHELL_TIMING) console.log(name, settled - started, checked - settled, Date.now() - checked, findings);
    return findings;
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = await launchBrowser();
    client = builtClient();
    t = await startTestApp({ CLIENT_DIST: client.dir });
    platform = await t.platform(PLATFORM, ACCOUNTS);
    viewer = await createUser(t.app.services.orm.em.fork(), { platformId: platform.platformId, email: 'viewer@shell.example', role: Role.VIEWER });
    const free = (await eligibleAccounts(t.url, platform.apiKey, { missingEmailOnly: 3 })).map((a) => a.id);
    const auth = { apiKey: platform.apiKey };
    // A batch in review: two additions and a row with a problem.
    const csv = [HEADER, `${free[0]},,,,first@shell.example,✗`, `${free[1]},,,,second@shell.example,✗`, `${free[2]},,,,not-an-email,✗`].join('\n');
    const review = await uploadAndValidate(t.url, auth, `${csv}\n`, 'collected emails – spring.csv');
    expect(review.status).toBe('VALIDATED');
    reviewId = review.id;
    // A file refused before any row was read.
    expect((await uploadAndValidate(t.url, auth, '', 'empty export.csv')).status).toBe('REJECTED');
    await gqlData(t.url, auth, 'mutation { createWebhookEndpoint(input: { url: "http://127.0.0.1:9/hooks/comms", description: "CRM sync" }) { secret } }');
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await t?.stop();
    client?.cleanup();
  });

  for (const { lang, locale } of LANGS) {
    for (const { name: width, viewport } of WIDTHS) {
      it(`every page in ${lang} at ${viewport.width} px: no sideways scroll, no clipped text, no serious axe violation`, async () => {
        const { page, watch } = await open(`${lang}-${width}`, { locale, viewport });
        const findings: Finding[] = [];
        const at = (path: string) => `${t.url}${path}`;
        const axe = SCANNED.has(`${lang}-${width}`);

        await page.goto(at('/sign-in'));
        await settle(page);
        expect(await page.getAttribute('html', 'lang')).toBe(lang);
        findings.push(...(await inspect(page, `${lang}-${width}-sign-in`, axe)));
        await page.goto(at('/set-password#token=shown-to-the-form'));
        findings.push(...(await inspect(page, `${lang}-${width}-set-password`, axe)));

        await signInWithForm(page, t.url, platform.admin.email, platform.admin.password);
        watch.signedOut = false;
        const pages: [string, string][] = [
          ['home', '/'],
          ['batches', '/batches'],
          ['new-batch', '/batches/new'],
          ['review', `/batches/${reviewId}`],
          ['accounts', '/accounts'],
          ['webhooks', '/webhooks'],
          ['settings-members', '/settings/members'],
          ['settings-api-keys', '/settings/api-keys'],
          ['settings-approval', '/settings/approval'],
          ['settings-audit-log', '/settings/audit-log'],
          ['not-found', '/no-such-page'],
        ];
        for (const [name, path] of pages) {
          await page.goto(at(path));
          if (name === 'review') await page.locator('.stat').first().waitFor();
          findings.push(...(await inspect(page, `${lang}-${width}-${name}`, axe)));
        }
        if (width === 'phone') {
          await page.goto(at('/'));
          await settle(page);
          await page.locator('.menu-button').click();
          await page.locator('#site-menu .nav-link').first().waitFor();
          findings.push(...(await inspect(page, `${lang}-${width}-menu-open`, axe)));
        }

        expect(findings.map((f) => `${f.page}: ${f.what}`)).toEqual([]);
        expect(watch.problems).toEqual([]);
      }, 240_000);
    }
  }

  it('the phone menu: a button with aria-expanded, Escape closes it and gives the focus back, a link closes it', async () => {
    const { page, watch } = await open('menu', { locale: 'en-US', viewport: { width: 390, height: 844 } });
    await signInWithForm(page, t.url, platform.admin.email, platform.admin.password);
    watch.signedOut = false;
    await settle(page);
    const button = page.getByRole('button', { name: 'Menu' });
    const batches = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Batches' });
    expect(await button.getAttribute('aria-expanded')).toBe('false');
    expect(await batches.isVisible()).toBe(false);

    // Keyboard only: reach the button, open, walk into the menu, Escape.
    await tabTo(page, (el) => el.tag === 'button' && el.text === 'Menu', 'the menu button');
    await page.keyboard.press('Enter');
    expect(await button.getAttribute('aria-expanded')).toBe('true');
    expect(await batches.isVisible()).toBe(true);
    await tabTo(page, (el) => el.tag === 'a' && el.text === 'Batches', 'Batches in the menu', 5);
    await page.keyboard.press('Escape');
    expect(await button.getAttribute('aria-expanded')).toBe('false');
    expect(await focused(page)).toMatchObject({ tag: 'button', text: 'Menu' });
    expect(await batches.isVisible()).toBe(false);

    // A link in the menu navigates, closes the menu, and the new page's heading takes the focus.
    await page.keyboard.press('Enter');
    await tabTo(page, (el) => el.tag === 'a' && el.text === 'Batches', 'Batches in the menu', 5);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${t.url}/batches`);
    expect(await button.getAttribute('aria-expanded')).toBe('false');
    expect(await focused(page)).toMatchObject({ tag: 'h1', text: 'Batches' });

    // The platform name wraps rather than disappearing; the whole name is its title.
    const name = page.locator('.platform-name');
    expect(await name.isVisible()).toBe(true);
    expect(await name.getAttribute('title')).toBe(PLATFORM);
    expect(watch.problems).toEqual([]);
  }, 120_000);

  it('the skip link moves the focus to the main content; a dismissed confirm gives the focus back to its button', async () => {
    const { page, watch } = await open('focus', { locale: 'fr-FR', viewport: { width: 1440, height: 900 } });
    await signInWithForm(page, t.url, platform.admin.email, platform.admin.password);
    watch.signedOut = false;
    await page.goto(`${t.url}/webhooks`);
    await settle(page);
    await tabTo(page, (el) => el.tag === 'a' && el.href === '#main', 'the skip link', 1);
    expect(await focused(page)).toMatchObject({ tag: 'a', text: 'Aller au contenu' });
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement.id')).toBe('main');
    expect(new URL(page.url()).pathname).toBe('/webhooks');
    // The next Tab starts inside the page, not in the header.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(`!!document.activeElement.closest('main')`)).toBe(true);

    // The form says what the server accepts: https://, http://, and private addresses only where allowed.
    expect(await page.locator('.field-hint').textContent()).toContain('http://127.0.0.1');
    await page.getByLabel('URL de l’endpoint').fill('ftp://example.com/hooks');
    await page.getByRole('button', { name: 'Ajouter l’endpoint' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('https:// ou http://');

    const remove = page.getByRole('button', { name: /Supprimer/ }).first();
    await remove.focus();
    page.once('dialog', (dialog) => void dialog.dismiss());
    await page.keyboard.press('Enter');
    await page.waitForFunction(`document.activeElement?.textContent === 'Supprimer'`);
    expect(watch.problems).toEqual([]);
  }, 120_000);

  it('one "Get started" for an admin and none for a viewer; a rejected file says why in the history; pages are counted', async () => {
    const { page, watch } = await open('roles', { locale: 'en-US', viewport: { width: 1440, height: 900 } });
    await signInWithForm(page, t.url, platform.admin.email, platform.admin.password);
    watch.signedOut = false;
    await settle(page);
    expect(await page.getByRole('link', { name: 'Get started' }).count()).toBe(1);
    // Beside the full navigation, the platform name keeps room for its first words.
    expect((await page.locator('.platform-name').boundingBox())?.width).toBeGreaterThan(110);
    const rejected = page.locator('tr', { hasText: 'empty export.csv' });
    expect(await rejected.textContent()).toContain('File rejected: The file is empty');
    expect(await rejected.locator('td.num').count()).toBe(0);

    await page.goto(`${t.url}/accounts`);
    await settle(page);
    expect(await page.locator('.pager-page').textContent()).toBe(`Page 1 of ${Math.ceil(ACCOUNTS / 25)}`);

    const other = await open('viewer', { locale: 'en-US', viewport: { width: 390, height: 844 } });
    await signInWithForm(other.page, t.url, viewer.email, viewer.password);
    other.watch.signedOut = false;
    await settle(other.page);
    expect(await other.page.getByRole('link', { name: 'Get started' }).count()).toBe(0);
    await other.page.goto(`${t.url}/batches`);
    await settle(other.page);
    expect(await other.page.getByRole('link', { name: 'New upload' }).count()).toBe(0);
    expect(watch.problems).toEqual([]);
    expect(other.watch.problems).toEqual([]);
  }, 120_000);
});
