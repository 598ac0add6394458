import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { TEST_DB } from '../../support/database.js';

/** The Debian package's launcher; CI installs it (`apt-get install -y chromium`). Never downloaded. */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** `SKIP_BROWSER_TESTS=true` skips the browser suites (a machine without Chromium, on purpose). */
export const SKIP_BROWSER_TESTS = process.env.SKIP_BROWSER_TESTS === 'true';

const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

/** Screenshots of every step: test-artifacts/e2e/<db>/NN-step.png (git-ignored). */
export const ARTIFACTS = join(root, 'test-artifacts', 'e2e', TEST_DB);

/** Fails with the fix when Chromium is missing: a browser suite must never pass by not running. */
export function assertChromium(): void {
  if (existsSync(CHROMIUM)) return;
  throw new Error(
    `Chromium is not installed at ${CHROMIUM}, so the dashboard end-to-end tests cannot run. ` +
      'Install it with `apt-get update && apt-get install -y chromium` (CI does this in .ci/run), ' +
      'point CHROMIUM at another binary, or set SKIP_BROWSER_TESTS=true to skip these tests deliberately.',
  );
}

export async function launchBrowser(): Promise<Browser> {
  assertChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export interface Viewport {
  width: number;
  height: number;
}

export async function newContext(browser: Browser, options: { locale?: string; viewport?: Viewport } = {}): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 900 },
    locale: options.locale ?? 'en-US',
    timezoneId: 'UTC',
    acceptDownloads: true,
  });
  context.setDefaultTimeout(15_000);
  return context;
}

/**
 * Collects console errors and uncaught page errors. A signed-out visitor meets HTTP 401s by design
 * (a wrong password; the session probe answers 204 since GET /auth/session), which Chromium logs as "Failed to load resource"; those
 * are accepted only while `signedOut` is true.
 */
export class ConsoleWatch {
  readonly problems: string[] = [];
  signedOut = true;

  constructor(page: Page, label: string) {
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const text = message.text();
      if (this.signedOut && /status of 401/.test(text)) return;
      this.problems.push(`[${label}] console.error: ${text} (${message.location().url})`);
    });
    page.on('pageerror', (error) => {
      this.problems.push(`[${label}] uncaught: ${error.message}`);
    });
  }
}

/** Saves a screenshot as test-artifacts/e2e/<db>/<name>.png and returns its path. */
export async function shot(page: Page, name: string, fullPage = true): Promise<string> {
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage, animations: 'disabled', caret: 'hide' });
  return path;
}

export interface Focused {
  tag: string;
  text: string;
  type: string | null;
  href: string | null;
}

// Page scripts are strings: the test project compiles without the DOM library (it is Node code).
const FOCUSED_SCRIPT = `(() => {
  const el = document.activeElement;
  if (!(el instanceof HTMLElement)) return { tag: '', text: '', type: null, href: null };
  return {
    tag: el.tagName.toLowerCase(),
    text: (el.textContent || el.getAttribute('aria-label') || '').trim(),
    type: el.getAttribute('type'),
    href: el.getAttribute('href'),
  };
})()`;

/** What has the keyboard focus: tag, type, href and text, for assertions and messages. */
export async function focused(page: Page): Promise<Focused> {
  return page.evaluate<Focused>(FOCUSED_SCRIPT);
}

/** Presses Tab until `matches` holds for the focused element; fails after `max` presses. */
export async function tabTo(
  page: Page,
  matches: (el: Focused) => boolean,
  what: string,
  max = 40,
  { backward = false }: { backward?: boolean } = {},
): Promise<void> {
  const seen: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(backward ? 'Shift+Tab' : 'Tab');
    const el = await focused(page);
    if (matches(el)) return;
    seen.push(`${el.tag}${el.type ? `[${el.type}]` : ''} "${el.text.slice(0, 40)}"`);
  }
  throw new Error(`${backward ? 'Shift+Tab' : 'Tab'} never reached ${what} in ${max} presses; focus went through: ${seen.join(' → ')}`);
}

/**
 * The element (a CSS selector, or else the focused element) draws a visible focus indicator: an
 * outline at least 2 px wide, or a box shadow.
 */
export async function focusIsVisible(page: Page, selector?: string): Promise<boolean> {
  return page.evaluate<boolean>(`(() => {
    const sel = ${JSON.stringify(selector ?? null)};
    const el = sel ? document.querySelector(sel) : document.activeElement;
    if (!(el instanceof HTMLElement)) return false;
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) >= 2;
    return outline || (style.boxShadow !== 'none' && style.boxShadow !== '');
  })()`);
}

/** Signs in through the form, with the pointer (any language). */
export async function signInWithForm(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/sign-in`);
  await page.locator('input[type=email]').fill(email);
  await page.locator('input[type=password]').fill(password);
  await page.locator('form button[type=submit]').click();
  await page.waitForURL(`${baseUrl}/`);
}
