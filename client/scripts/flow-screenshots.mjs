// Walks the collection flow against a running server and screenshots each step:
// template → upload (filled-in CSV) → validation → review → confirm dialog → apply → done,
// plus a refused file (missing headers). Same environment variables as screenshots.mjs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const base = process.env.BASE_URL ?? 'http://localhost:4000';
const email = process.env.EMAIL ?? 'admin@demo.example';
const password = process.env.PASSWORD ?? '';
const out = process.env.OUT ?? 'screenshots'; // git-ignored
const lang = process.env.LANG_UI ?? 'en';
mkdirSync(out, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
const page = await context.newPage();
const problems = [];
page.on('console', (msg) => {
  if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`${msg.type()}: ${msg.text()}`);
});
page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));

async function shot(name, fullPage = true) {
  await page.screenshot({ path: `${out}/${name}.png`, fullPage });
  process.stdout.write(`${out}/${name}.png\n`);
}

await page.goto(`${base}/sign-in`);
await page.evaluate((l) => localStorage.setItem('cc.lang', l), lang);
await page.reload();
await page.fill('input[type=email]', email);
await page.fill('input[type=password]', password);
await page.keyboard.press('Enter');
await page.waitForURL(`${base}/`);

// 1. The template, through the link the page shows.
await page.goto(`${base}/batches/new`);
const href = await page.locator('a[download]').first().getAttribute('href');
const template = await (await page.request.get(href)).text();
const lines = template.split(/\r?\n/).filter(Boolean);
process.stdout.write(`template: ${lines.length - 1} rows\n`);

// 2. Fill it in: emails for some rows, a few mistakes, a duplicate, a name mismatch.
const run = Date.now().toString(36);
const filled = [lines[0]];
for (let i = 1; i < lines.length; i++) {
  const cells = lines[i].split(',');
  if (i % 3 === 0) cells[4] = `new.person${i}.${run}@Example.COM`;
  if (i === 5) cells[4] = 'not-an-email';
  if (i === 7) cells[0] = 'acct_doesnotexist1';
  if (i === 11) cells[1] = 'Someone Else Ltd';
  filled.push(cells.join(','));
}
filled.push(`${lines[3].split(',')[0]},,,,dup@example.com,`);
const csvPath = `${out}/filled.csv`;
writeFileSync(csvPath, `${filled.join('\r\n')}\r\n`);

await page.setInputFiles('input[type=file]', csvPath);
await page.waitForURL(/\/batches\/ub_/);
const batchUrl = page.url();
await page.waitForSelector('.progress, .stats-six', { timeout: 20_000 });
await shot('flow-validating');
await page.waitForSelector('.stats-six', { timeout: 120_000 });
await page.waitForSelector('.vrows-row');
await page.waitForTimeout(500);
await shot('flow-review');

// Filter by a summary card, then by an issue code.
await page.locator('.stats-six .stat-button').nth(4).click();
await page.waitForTimeout(800);
await shot('flow-review-invalid', false);
await page.locator('.stats-six .stat-button').nth(4).click();

// 5. The confirm dialog.
await page.locator('section[aria-labelledby=confirm-title] button.button-primary').click();
await page.waitForSelector('dialog[open]');
await page.waitForTimeout(600);
await shot('flow-confirm-dialog', false);
await page.locator('dialog .button-primary').click();
await page.waitForSelector('#apply-title, #done-title', { timeout: 20_000 });
await shot('flow-applying', false);
await page.waitForSelector('#done-title', { timeout: 180_000 });
await page.waitForTimeout(800);
await shot('flow-done');

// Reload-safe deep link.
await page.goto(batchUrl);
await page.waitForSelector('#done-title');

// A refused file: headers missing.
await page.goto(`${base}/batches/new`);
const badPath = `${out}/bad-headers.csv`;
writeFileSync(badPath, 'Account,E-mail,Name\nacct_1,a@example.com,A\n');
await page.setInputFiles('input[type=file]', badPath);
await page.waitForURL(/\/batches\/ub_/);
await page.waitForSelector('#file-error-title', { timeout: 30_000 });
await shot('flow-rejected');

await page.goto(`${base}/batches`);
await page.waitForSelector('table tbody tr');
await shot('batches-list');

for (const p of [...new Set(problems)]) process.stdout.write(`console ${p}\n`);
await browser.close();
