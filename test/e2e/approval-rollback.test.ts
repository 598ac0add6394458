import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../server/src/modules/auth/auth.service.js';
import { Role } from '../../server/src/modules/auth/dashboard-user.entity.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { HEADER, uploadAndValidate } from '../support/flow.js';
import { gqlData, signIn } from '../support/graphql.js';
import { ConsoleWatch, launchBrowser, newContext, SKIP_BROWSER_TESTS, shot, signInWithForm } from './support/browser.js';
import { type BuiltClient, builtClient } from './support/client-build.js';
import { slowTransactions } from './support/dashboard.js';

const ACCOUNTS = 40;

/**
 * Four eyes and rollback in real Chromium against the production build: an admin sets the policy
 * and confirms, a second admin finds the batch through the "awaiting approval" filter and approves
 * it, the requester's page follows live; then a rollback with its preview, live progress and outcome.
 */
describe.skipIf(SKIP_BROWSER_TESTS)('dashboard e2e: approval by a second admin, then a rollback', () => {
  let client: BuiltClient;
  let t: TestApp;
  let browser: Browser;
  let requesterContext: BrowserContext;
  let approverContext: BrowserContext;
  let requester: Page;
  let approver: Page;
  let watches: ConsoleWatch[];
  let slow: { on(): void; off(): void };
  let platformId: string;
  let apiKey: string;
  let admin1: { email: string; password: string };
  let admin2: { email: string; password: string };
  let targets: Array<{ id: string; email: string | null }>;
  let batchId = '';

  beforeAll(async () => {
    browser = await launchBrowser();
    client = builtClient();
    t = await startTestApp({ CLIENT_DIST: client.dir, APPLY_CHUNK_ROWS: '2' });
    slow = slowTransactions(t.app.services.db, 150);
    const p = await t.platform('E2E Four Eyes', ACCOUNTS);
    platformId = p.platformId;
    apiKey = p.apiKey;
    admin1 = p.admin;
    admin2 = await createUser(t.app.services.orm.em.fork(), { platformId, email: 'approver@four-eyes.example', role: Role.ADMIN, password: 'approver-password-1' });
    targets = (
      await t.app.services.db.query<{ id: string; email: string | null }>(
        `select id, email from connected_account where platform_id = $1 and status not in ('closed', 'rejected') and not user_claimed_email order by id limit 12`,
        [platformId],
      )
    ).map((r) => ({ id: r.id, email: r.email }));
    // An enabled endpoint, so the rollback dialog counts its events.
    await gqlData(t.url, { apiKey }, 'mutation { createWebhookEndpoint(input: { url: "http://127.0.0.1:9/hooks", description: "e2e" }) { secret } }');
    requesterContext = await newContext(browser);
    approverContext = await newContext(browser);
    requester = await requesterContext.newPage();
    approver = await approverContext.newPage();
    watches = [new ConsoleWatch(requester, 'requester'), new ConsoleWatch(approver, 'approver')];
  });

  afterAll(async () => {
    await requesterContext?.close();
    await approverContext?.close();
    await browser?.close();
    await t?.stop();
    client?.cleanup();
  });

  it('an admin sets the approval policy to Always', async () => {
    await signInWithForm(requester, t.url, admin1.email, admin1.password);
    watches[0].signedOut = false;
    await requester.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await requester.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Approval policy' }).click();
    await requester.getByRole('heading', { name: 'Approval policy', level: 1 }).waitFor();
    await requester.getByRole('radio', { name: /Always/ }).check();
    await requester.getByRole('button', { name: 'Save policy' }).click();
    await requester.getByText('Approval policy saved.').waitFor();
    await shot(requester, 'approval-01-policy-always');
    const read = await gqlData<{ viewer: { platform: { settings: { approvalPolicy: string } } } }>(t.url, { apiKey }, '{ viewer { platform { settings { approvalPolicy } } } }');
    expect(read.viewer.platform.settings.approvalPolicy).toBe('ALWAYS');
  });

  it('confirming asks for approval; the requester is told another admin decides', async () => {
    const cookie = await signIn(t.url, admin1.email, admin1.password);
    const csv = `${HEADER}\n${targets.map((a, i) => `${a.id},,,,four.eyes.${i}@e2e.example,✗`).join('\n')}\n`;
    const batch = await uploadAndValidate(t.url, { cookie }, csv, 'four-eyes.csv');
    batchId = batch.id;
    await requester.goto(`${t.url}/batches/${batchId}`);
    await requester.getByRole('button', { name: 'Apply the changes…' }).click();
    await requester.getByRole('button', { name: 'Yes, apply now' }).click();
    await requester.getByRole('heading', { name: 'Awaiting approval', level: 2 }).waitFor();
    await requester.getByText(`${admin1.email} asked for approval`).waitFor();
    await requester.getByText(/You asked for this approval, so another admin/).waitFor();
    expect(await requester.getByRole('button', { name: 'Approve and apply' }).count()).toBe(0);
    await shot(requester, 'approval-02-requester-waits');
  });

  it('a second admin finds it with the filter and approves it; both pages follow the apply live', async () => {
    await signInWithForm(approver, t.url, admin2.email, admin2.password);
    watches[1].signedOut = false;
    await approver.goto(`${t.url}/batches`);
    const filter = approver.getByRole('button', { name: /Awaiting approval/ });
    await expect.poll(async () => (await filter.textContent())?.replace(/\s+/g, ' ').trim(), { timeout: 15_000 }).toBe('Awaiting approval 1');
    await filter.click();
    await approver.waitForURL(/status=AWAITING_APPROVAL/);
    await approver.getByRole('link', { name: 'four-eyes.csv' }).waitFor();
    await shot(approver, 'approval-03-list-awaiting-filter');
    await approver.getByRole('link', { name: 'four-eyes.csv' }).click();
    await approver.getByRole('heading', { name: 'Awaiting approval', level: 2 }).waitFor();
    await approver.getByText(`${admin1.email} asked for approval`).waitFor();
    await shot(approver, 'approval-04-approver-sees-request');
    slow.on();
    approver.once('dialog', (d) => void d.accept());
    await approver.getByRole('button', { name: 'Approve and apply' }).click();
    // The requester's page, open all along, follows the approval and the apply.
    await requester.getByRole('heading', { name: 'Awaiting approval', level: 2 }).waitFor({ state: 'detached', timeout: 20_000 });
    slow.off();
    for (const page of [approver, requester]) await page.locator('.badge', { hasText: 'Completed' }).first().waitFor({ timeout: 30_000 });
    await shot(approver, 'approval-05-applied');
    const [{ email }] = await t.app.services.db.query<{ email: string }>('select email from connected_account where platform_id = $1 and id = $2', [
      platformId,
      targets[0].id,
    ]);
    expect(email).toBe('four.eyes.0@e2e.example');
  });

  it('rolls the batch back from its page: preview with conflicts and events, live progress, outcome', async () => {
    // One account edited after the apply: a conflict the preview must count and the rollback must leave alone.
    await gqlData(t.url, { apiKey }, 'mutation($id: ID!) { updateConnectedAccount(id: $id, input: { email: "edited.after@e2e.example" }) { id } }', {
      id: targets[1].id,
    });
    await approver.reload();
    await approver.getByRole('button', { name: 'Roll back…' }).click();
    const dialog = approver.getByRole('dialog', { name: 'Roll back this batch?' });
    await dialog.waitFor();
    await dialog.getByText(`${targets.length - 1} accounts get their previous email back.`).waitFor();
    await dialog.getByText('1 account changed since this batch').waitFor();
    await dialog.getByText(/1 webhook endpoint receives one account\.updated event .* 11 in all/).waitFor();
    await shot(approver, 'rollback-01-dialog');
    slow.on();
    await dialog.getByRole('button', { name: `Roll back ${targets.length - 1} accounts` }).click();
    await approver.getByRole('progressbar', { name: /Applied rows processed/ }).waitFor();
    await shot(approver, 'rollback-02-progress');
    slow.off();
    await approver.getByText('Rolled back', { exact: true }).first().waitFor({ timeout: 30_000 });
    await approver.getByText(`Restored: ${targets.length - 1} accounts got their previous email back. Left as they were (changed since this batch): 1.`).waitFor();
    await shot(approver, 'rollback-03-done');
    const rows = await t.app.services.db.query<{ id: string; email: string | null }>(
      `select id, email from connected_account where platform_id = $1 and id in (${targets.map((_, i) => `$${i + 2}`).join(', ')}) order by id`,
      [platformId, ...targets.map((a) => a.id)],
    );
    expect(rows.map((r) => r.email)).toEqual(targets.map((a, i) => (i === 1 ? 'edited.after@e2e.example' : a.email)));
  });

  it('in French, a second admin declines with a reason (a blank one is refused) and the reason stays on the page', async () => {
    const cookie = await signIn(t.url, admin1.email, admin1.password);
    const csv = `${HEADER}\n${targets.slice(0, 2).map((a, i) => `${a.id},,,,refus.${i}@e2e.example,✗`).join('\n')}\n`;
    const batch = await uploadAndValidate(t.url, { cookie }, csv, 'a-refuser.csv');
    await gqlData(t.url, { cookie }, 'mutation($id: ID!) { confirmUploadBatch(id: $id) { status } }', { id: batch.id });
    await approver.goto(`${t.url}/batches/${batch.id}`);
    await approver.getByLabel('Language').selectOption('fr');
    await approver.getByRole('heading', { name: 'En attente d’approbation', level: 2 }).waitFor();
    await approver.getByRole('button', { name: 'Refuser' }).click();
    await approver.getByText('Indiquez un motif de refus.').waitFor();
    // The keyboard is where the missing reason goes.
    await approver.waitForFunction(`document.activeElement?.tagName === 'TEXTAREA'`);
    await approver.getByLabel('Motif du refus').fill('Adresses de test, mauvais fichier.');
    await shot(approver, 'approval-06-decline-fr');
    await approver.getByRole('button', { name: 'Refuser' }).click();
    await approver.getByText('Motif : Adresses de test, mauvais fichier.').waitFor();
    await approver.getByText(`Refusé par ${admin2.email}`).waitFor();
    // The form is gone with the decision: the focus is on the batch's status, which says what happened.
    await approver.waitForFunction(`document.activeElement?.id === 'batch-status'`);
    await shot(approver, 'approval-07-declined-fr');
    const [{ status }] = await t.app.services.db.query<{ status: string }>('select status from upload_batch where id = $1', [batch.id]);
    expect(status).toBe('DECLINED');
    expect(watches.flatMap((w) => w.problems)).toEqual([]);
  });
});
