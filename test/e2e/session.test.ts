import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { signIn } from '../support/graphql.js';
import { launchBrowser, newContext, SKIP_BROWSER_TESTS } from './support/browser.js';
import { type BuiltClient, builtClient } from './support/client-build.js';

describe('GET /auth/session', () => {
  let t: TestApp;
  let admin: { email: string; password: string };
  beforeAll(async () => {
    t = await startTestApp();
    admin = (await t.platform('Session Probe Ltd', 5)).admin;
  });
  afterAll(() => t.stop());

  it('answers 204 without a session, 200 with the user, role and platform, 204 again after sign-out', async () => {
    const anonymous = await fetch(`${t.url}/auth/session`);
    expect(anonymous.status).toBe(204);
    expect(anonymous.headers.get('cache-control')).toBe('no-store');
    expect((await fetch(`${t.url}/auth/session`, { headers: { cookie: 'comms_session=not-a-session' } })).status).toBe(204);
    // An API key is no dashboard session.
    const keyOnly = await fetch(`${t.url}/auth/session`, { headers: { authorization: 'Bearer sk_whatever' } });
    expect(keyOnly.status).toBe(204);

    const cookie = await signIn(t.url, admin.email, admin.password);
    const signedIn = await fetch(`${t.url}/auth/session`, { headers: { cookie } });
    expect(signedIn.status).toBe(200);
    expect(await signedIn.json()).toEqual({
      user: { email: admin.email, role: 'ADMIN', platform: { id: expect.any(String), name: 'Session Probe Ltd' } },
    });

    await fetch(`${t.url}/auth/sign-out`, { method: 'POST', headers: { cookie } });
    expect((await fetch(`${t.url}/auth/session`, { headers: { cookie } })).status).toBe(204);
  });
});

describe.skipIf(SKIP_BROWSER_TESTS)('dashboard e2e: a signed-out visit', () => {
  let client: BuiltClient;
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let admin: { email: string; password: string };

  beforeAll(async () => {
    browser = await launchBrowser();
    client = builtClient();
    t = await startTestApp({ CLIENT_DIST: client.dir });
    admin = (await t.platform('Signed Out Visit Ltd', 5)).admin;
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await t?.stop();
    client?.cleanup();
  });

  it('asks /auth/session first and reaches the sign-in page with a clean console, then signs in', async () => {
    context = await newContext(browser);
    const page = await context.newPage();
    const consoleMessages: string[] = [];
    const failed: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => consoleMessages.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => consoleMessages.push(`uncaught: ${e.message}`));
    page.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (r.resourceType() === 'fetch' || r.resourceType() === 'xhr') requests.push(`${r.method()} ${path}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) failed.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
    });

    await page.goto(`${t.url}/batches`);
    await page.waitForURL(/\/sign-in/);
    await page.locator('input[type=email]').waitFor();

    expect(requests[0]).toBe('GET /auth/session');
    expect(requests).not.toContain('POST /graphql');
    expect(failed).toEqual([]);
    expect(consoleMessages.filter((m) => /401|error/i.test(m))).toEqual([]);

    // Signing in goes back where the visitor was going, still without a failed request.
    await page.locator('input[type=email]').fill(admin.email);
    await page.locator('input[type=password]').fill(admin.password);
    await page.locator('form button[type=submit]').click();
    await page.waitForURL(`${t.url}/batches`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    expect(failed).toEqual([]);
    expect(consoleMessages.filter((m) => /401|error/i.test(m))).toEqual([]);

    // A reload of a signed-in page: the probe answers 200 and the page loads.
    requests.length = 0;
    await page.reload();
    await page.getByRole('heading', { level: 1 }).waitFor();
    expect(requests[0]).toBe('GET /auth/session');
    expect(requests).toContain('POST /graphql');
    expect(failed).toEqual([]);
  });
});
