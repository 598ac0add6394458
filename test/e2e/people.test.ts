import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { gql } from '../support/graphql.js';
import { ConsoleWatch, launchBrowser, newContext, SKIP_BROWSER_TESTS, shot, signInWithForm } from './support/browser.js';
import { type BuiltClient, builtClient } from './support/client-build.js';

const PASSWORD = 'a sentence nobody else would type';

/** Settings → API keys and Members, from a real browser: the two stories of issue 19. */
describe.skipIf(SKIP_BROWSER_TESTS)('dashboard e2e: people and keys', () => {
  let client: BuiltClient;
  let t: TestApp;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const watches: ConsoleWatch[] = [];
  let platform: Awaited<ReturnType<TestApp['platform']>>;

  async function open(label: string, options: Parameters<typeof newContext>[1] = {}): Promise<{ page: Page; watch: ConsoleWatch }> {
    const context = await newContext(browser, options);
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
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
    platform = await t.platform('E2E People Co', 20);
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await t?.stop();
    client?.cleanup();
  });

  it('create a key → use it → revoke it (with a confirmation) → it is refused', async () => {
    const { page, watch } = await open('keys');
    await signInWithForm(page, t.url, platform.admin.email, platform.admin.password);
    watch.signedOut = false;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Members', level: 1 }).waitFor();
    await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'API keys' }).click();
    await page.waitForURL(`${t.url}/settings/api-keys`);
    await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();

    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Warehouse sync');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('heading', { name: 'Key created: Warehouse sync' }).waitFor();
    const secret = await page.getByRole('textbox', { name: 'Secret API key' }).inputValue();
    expect(secret).toMatch(/^sk_[A-Za-z0-9]{40}$/);
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(secret);
    await shot(page, '40-api-key-created');

    // The integration uses it.
    expect((await gql(t.url, { apiKey: secret }, '{ viewer { kind } }')).status).toBe(200);
    await page.getByRole('button', { name: 'Done' }).click();
    // Shown once: gone from the page, and never in the list.
    expect(await page.getByRole('textbox', { name: 'Secret API key' }).count()).toBe(0);
    const row = page.locator(`tr[data-key-prefix="${secret.slice(0, 10)}"]`);
    await expect.poll(
      async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        return row.locator('td').nth(4).textContent();
      },
      { timeout: 10_000 },
    ).not.toBe('Never');
    expect(await row.locator('td').nth(2).textContent()).toBe(platform.admin.email);
    expect(await page.content()).not.toContain(secret);
    await shot(page, '41-api-key-used');

    page.once('dialog', (dialog) => {
      expect(dialog.message()).toContain('Revoke the key “Warehouse sync”');
      void dialog.accept();
    });
    await row.getByRole('button', { name: 'Revoke the key Warehouse sync' }).click();
    await row.getByText(/^Revoked /).waitFor();
    await shot(page, '42-api-key-revoked');
    const refused = await gql(t.url, { apiKey: secret }, '{ viewer { kind } }');
    expect(refused.status).toBe(401);
    expect(refused.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');

    // Both changes are in the audit log, by this admin, without the secret.
    await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    await page.locator('tr[data-action="api_key.revoked"]').waitFor();
    expect(await page.locator('tbody tr').count()).toBe(2);
    expect(await page.locator('tbody tr').first().textContent()).toContain('API key revoked');
    expect(await page.content()).not.toContain(secret);
    await page.getByRole('combobox', { name: 'Action', exact: true }).selectOption('api_key.created');
    await page.waitForURL(/action=api_key.created/);
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await shot(page, '43-audit-log-filtered');
    // Reload-safe: the filter is in the address.
    await page.reload();
    // A reload boots the whole app (session, viewer, then the log): wait as for any page load, not expect.poll's 1 s.
    await page.locator('tbody tr').first().waitFor();
    expect(await page.locator('tbody tr').count()).toBe(1);
    expect(await page.getByRole('combobox', { name: 'Action', exact: true }).inputValue()).toBe('api_key.created');
    expect(watch.problems).toEqual([]);
  });

  it('add a member → set password → sign in → removed → signed out', async () => {
    const { page: admin, watch: adminWatch } = await open('admin');
    await signInWithForm(admin, t.url, platform.admin.email, platform.admin.password);
    adminWatch.signedOut = false;
    await admin.goto(`${t.url}/settings/members`);
    await admin.getByRole('heading', { name: 'Members', level: 1 }).waitFor();
    await admin.getByRole('textbox', { name: 'Email', exact: true }).fill('new.colleague@people.example');
    await admin.getByLabel('Role', { exact: true }).selectOption('ADMIN');
    await admin.getByRole('button', { name: 'Add member' }).click();
    await admin.getByRole('heading', { name: 'Set-password link for new.colleague@people.example' }).waitFor();
    const link = await admin.getByRole('textbox', { name: 'Set-password link' }).inputValue();
    expect(link).toMatch(/\/set-password#token=[A-Za-z0-9]{43}$/);
    await shot(admin, '44-member-added-link');
    await admin.getByRole('button', { name: 'Done' }).click();
    const memberRow = admin.locator('tr[data-member="new.colleague@people.example"]');
    expect(await memberRow.getByText('Invited').count()).toBe(1);

    // The colleague opens the link in their own browser, in French.
    const { page: colleague, watch: colleagueWatch } = await open('colleague', { locale: 'fr-FR' });
    await colleague.goto(link);
    await colleague.getByRole('heading', { name: 'Définir votre mot de passe' }).waitFor();
    await colleague.getByLabel('Nouveau mot de passe').fill('qwerty123456');
    await colleague.getByLabel('Répétez le mot de passe').fill('qwerty123456');
    await colleague.getByRole('button', { name: 'Définir le mot de passe' }).click();
    await colleague.getByRole('alert').getByText(/liste de mots de passe courants/).waitFor();
    await shot(colleague, '45-set-password-common-refused');
    await colleague.getByLabel('Nouveau mot de passe').fill(PASSWORD);
    await colleague.getByLabel('Répétez le mot de passe').fill(PASSWORD);
    await colleague.getByRole('button', { name: 'Définir le mot de passe' }).click();
    await colleague.getByText('Votre mot de passe est défini. Connectez-vous en tant que new.colleague@people.example.').waitFor();
    // The spent token left the address bar.
    expect(colleague.url()).toBe(`${t.url}/set-password`);
    await shot(colleague, '46-set-password-done');
    await colleague.getByRole('link', { name: 'Se connecter' }).click();
    await colleague.waitForURL(`${t.url}/sign-in`);
    await colleague.locator('input[type=email]').fill('new.colleague@people.example');
    await colleague.locator('input[type=password]').fill(PASSWORD);
    await colleague.locator('form button[type=submit]').click();
    await colleague.waitForURL(`${t.url}/`);
    colleagueWatch.signedOut = false;
    await colleague.getByRole('heading', { name: 'Accueil', level: 1 }).waitFor();
    await shot(colleague, '47-colleague-signed-in');

    // The link works once.
    const again = await open('again');
    await again.page.goto(link);
    await again.page.getByLabel('New password').fill(`${PASSWORD}!`);
    await again.page.getByLabel('Repeat the password').fill(`${PASSWORD}!`);
    await again.page.getByRole('button', { name: 'Set password' }).click();
    await again.page.getByRole('alert').getByText(/invalid, already used or expired/).waitFor();

    // The admin removes the colleague, after a confirmation.
    await admin.getByRole('button', { name: 'Refresh' }).click();
    await memberRow.getByText('Active').waitFor();
    admin.once('dialog', (dialog) => void dialog.accept());
    await memberRow.getByRole('button', { name: 'Remove new.colleague@people.example' }).click();
    await memberRow.waitFor({ state: 'detached' });
    await shot(admin, '48-member-removed');

    // Signed out at once: the colleague's next step lands on the sign-in page.
    colleagueWatch.signedOut = true;
    // (Its open socket may already have been closed with 4403 and taken the page there.)
    const batches = colleague.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Imports' });
    if (await batches.isVisible()) await batches.click().catch(() => undefined);
    await colleague.waitForURL(/\/sign-in/);
    await colleague.getByRole('heading', { name: 'Connexion' }).waitFor();
    await shot(colleague, '49-colleague-signed-out');
    expect((await gql(t.url, null, '{ viewer { role } }')).status).toBe(401);

    // The last admin cannot be demoted: the dashboard says why.
    admin.once('dialog', (dialog) => void dialog.accept());
    await admin.locator(`tr[data-member="${platform.admin.email}"]`).getByLabel(`Role of ${platform.admin.email}`).selectOption('VIEWER');
    await admin.getByRole('alert').getByText('This is the last admin of the platform. Make another member an admin first.').waitFor();
    await shot(admin, '50-last-admin-refused');
    // The refused common password is a 400 by design, which Chromium logs.
    const unexpected = colleagueWatch.problems.filter((p) => !/status of 400 .*\/auth\/set-password/.test(p));
    expect([...adminWatch.problems, ...unexpected]).toEqual([]);
  });
});
