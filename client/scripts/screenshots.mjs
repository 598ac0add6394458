// Screenshots of the dashboard with the system Chromium (never downloads a browser).
//   BASE_URL=http://localhost:4300 EMAIL=admin@demo.example PASSWORD=… OUT=/tmp/dash/shots \
//   node scripts/screenshots.mjs
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

const base = process.env.BASE_URL ?? 'http://localhost:4000';
const email = process.env.EMAIL ?? 'admin@demo.example';
const password = process.env.PASSWORD ?? '';
const out = process.env.OUT ?? 'screenshots'; // git-ignored
const width = Number(process.env.WIDTH ?? 1280);
mkdirSync(out, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const context = await browser.newContext({ viewport: { width, height: 900 }, locale: 'en-US' });
const page = await context.newPage();
const problems = [];
page.on('console', (msg) => {
  if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`${msg.type()}: ${msg.text()}`);
});
page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));

async function shot(name, options = {}) {
  await page.waitForTimeout(400);
  await page.screenshot({ path: `${out}/${name}.png`, fullPage: options.fullPage ?? true });
  process.stdout.write(`${out}/${name}.png\n`);
}

async function setLang(lang) {
  await page.evaluate((l) => localStorage.setItem('cc.lang', l), lang);
}

// Unauthenticated deep link: lands on sign-in with ?next=.
await page.goto(`${base}/accounts`);
await page.waitForSelector('form input[type=email]');
await setLang('en');
await page.reload();
await page.waitForSelector('form input[type=email]');
await shot('signin-en');

// Wrong password: error shown, focus on the password field.
await page.fill('input[type=email]', email);
await page.fill('input[type=password]', 'wrong-password');
await page.keyboard.press('Enter');
await page.waitForSelector('[role=alert]');
await shot('signin-error-en');

await page.fill('input[type=password]', password);
await page.keyboard.press('Enter');
await page.waitForURL(`${base}/accounts`);
await page.waitForSelector('table tbody tr');
await shot('accounts-en');

await page.goto(`${base}/`);
await page.waitForSelector('.stat-value');
await page.waitForLoadState('networkidle');
await shot('home-en');

await page.goto(`${base}/accounts?eligible=yes&email=missing`);
await page.waitForSelector('table tbody tr');
await page.fill('input[type=search]', 'acct_');
await page.waitForTimeout(800);
await shot('accounts-filtered-en');

await page.goto(`${base}/batches/new`);
await page.waitForLoadState('networkidle');
await shot('new-batch-en');

await page.goto(`${base}/batches`);
await page.waitForLoadState('networkidle');
await shot('batches-en');

await page.goto(`${base}/webhooks`);
await page.waitForLoadState('networkidle');
await shot('webhooks-en');

await setLang('fr');
await page.goto(`${base}/`);
await page.waitForSelector('.stat-value');
await page.waitForLoadState('networkidle');
await shot('home-fr');
await page.goto(`${base}/accounts`);
await page.waitForSelector('table tbody tr');
await shot('accounts-fr');

await page.setViewportSize({ width: 1024, height: 800 });
await page.goto(`${base}/accounts`);
await page.waitForSelector('table tbody tr');
await shot('accounts-fr-1024', { fullPage: false });
await setLang('en');

for (const p of [...new Set(problems)]) process.stdout.write(`console ${p}\n`);
await browser.close();
