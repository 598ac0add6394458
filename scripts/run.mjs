#!/usr/bin/env node
// The two README commands live here so they work on a machine with only Node 20
// and npm: `npm start` and `npm test` bootstrap the pinned pnpm through npx.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pnpmVersion = pkg.packageManager.replace(/^pnpm@/, '');

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts, env: { ...process.env, ...opts.env } });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function must(cmd, args, opts) {
  const status = run(cmd, args, opts);
  if (status !== 0) {
    console.error(`\n✗ ${cmd} ${args.join(' ')} exited with ${status}`);
    process.exit(status);
  }
}

/**
 * How to call the pinned pnpm: the one running us if any, else through npx (no global install).
 * pnpm ≤ 10 sets npm_execpath to a JavaScript entry (run it with this node); pnpm 11+ ships a
 * native binary and points npm_execpath at it, which must be executed itself (node would read
 * the ELF bytes as JavaScript: "SyntaxError: Invalid or unexpected token").
 */
function pnpmInvocation(execPath = process.env.npm_execpath ?? '') {
  if (/pnpm/i.test(basename(execPath))) {
    return isJavaScriptFile(execPath) ? { cmd: process.execPath, args: [execPath] } : { cmd: execPath, args: [] };
  }
  return { cmd: 'npx', args: ['-y', `pnpm@${pnpmVersion}`] };
}

/** A script node can run: by its extension, or (no extension) by a `node` shebang line. */
function isJavaScriptFile(path) {
  if (/\.(c|m)?js$/i.test(path)) return true;
  if (extname(path) !== '') return false;
  try {
    const fd = openSync(path, 'r');
    const head = Buffer.alloc(128);
    const n = readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
    const text = head.subarray(0, n).toString('latin1');
    return text.startsWith('#!') && /\bnode\b/.test(text.split('\n')[0]);
  } catch {
    return false;
  }
}

function pnpm(args, opts) {
  const { cmd, args: lead } = pnpmInvocation();
  return must(cmd, [...lead, ...args], opts);
}

function install() {
  const marker = join(root, 'node_modules', '.modules.yaml');
  const lock = join(root, 'pnpm-lock.yaml');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  console.log('› installing dependencies (first run compiles native modules, about 2 minutes)…');
  pnpm(['install', '--frozen-lockfile']);
}

function portOpen(port, host = '127.0.0.1') {
  return new Promise((done) => {
    const socket = createConnection({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
    socket.setTimeout(1000, () => {
      socket.destroy();
      done(false);
    });
  });
}

async function ensurePostgres() {
  if (process.env.TEST_PG_URL) return true;
  if (await portOpen(5432)) return true;
  if (existsSync('/etc/postgresql')) {
    console.log('› starting PostgreSQL');
    run('sh', ['-c', 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql | tail -n 1) main start']);
    for (let i = 0; i < 30; i++) {
      if (await portOpen(5432)) return true;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return false;
}

/** Redis for the scale-out suite (test/scaleout): TEST_REDIS_URL or 127.0.0.1:6379. */
async function redisReachable() {
  const url = new URL(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  return portOpen(Number(url.port || 6379), url.hostname);
}

/**
 * vitest arguments for the PostgreSQL run: the scale-out suite needs Redis. CI must run it;
 * a machine without Redis skips it with a warning rather than failing every `npm test`.
 */
async function scaleoutArgs() {
  if (await redisReachable()) return { args: [], missing: false };
  if (process.env.CI) {
    console.error('✗ Redis is not reachable (TEST_REDIS_URL or 127.0.0.1:6379); CI must run test/scaleout.');
    return { args: [], missing: true };
  }
  console.warn('! Redis is not reachable on 127.0.0.1:6379: skipped test/scaleout (set TEST_REDIS_URL to use another server).');
  return { args: ['--exclude', 'test/scaleout/**'], missing: false };
}

function vitest(db, extra = []) {
  const out = join(root, 'test-artifacts', `vitest-${db}.json`);
  mkdirSync(dirname(out), { recursive: true });
  rmSync(out, { force: true });
  console.log(`\n› tests on ${db}`);
  const status = run(
    process.execPath,
    [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...extra],
    { env: { TEST_DB: db } },
  );
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  if (existsSync(out)) {
    const report = JSON.parse(readFileSync(out, 'utf8'));
    passed = report.numPassedTests;
    failed = report.numFailedTests;
    skipped = report.numPendingTests + (report.numTodoTests ?? 0);
    if (status !== 0 && failed === 0) failed = 1; // a crash outside a test still fails the run
  } else if (status !== 0) failed = 1;
  return { passed, failed, skipped };
}

async function test() {
  install();
  console.log('› lint');
  pnpm(['run', 'lint']);
  console.log('› typecheck');
  pnpm(['run', 'typecheck']);
  console.log('› schema is current');
  pnpm(['run', 'schema:check']);
  console.log('› dashboard types are current');
  pnpm(['--filter', '@comms/client', 'run', 'codegen:check']);
  // The browser suites drive the built dashboard served by the server.
  buildClient();

  const totals = { passed: 0, failed: 0, skipped: 0 };
  const add = (r) => {
    totals.passed += r.passed;
    totals.failed += r.failed;
    totals.skipped += r.skipped;
  };
  add(vitest('sqlite'));
  if (await ensurePostgres()) {
    const scaleout = await scaleoutArgs();
    if (scaleout.missing) totals.failed += 1;
    add(vitest('postgres', scaleout.args));
  } else if (process.env.CI) {
    console.error('✗ PostgreSQL is not reachable on 127.0.0.1:5432; CI must test both databases.');
    totals.failed += 1;
  } else {
    console.warn('! PostgreSQL is not reachable on 127.0.0.1:5432: skipped the PostgreSQL run (set TEST_PG_URL to use another server).');
  }
  console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
  process.exit(totals.failed > 0 ? 1 : 0);
}

/** Newest modification time of the files under `dir` (skipping node_modules and dist). */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds the dashboard when its build is missing or older than its sources or the schema. */
function buildClient() {
  const built = join(root, 'client/dist/index.html');
  const stale =
    !existsSync(built) ||
    Math.max(newestMtime(join(root, 'client')), statSync(join(root, 'schema/schema.graphql')).mtimeMs) > statSync(built).mtimeMs;
  if (!stale) return;
  console.log('› building the dashboard');
  pnpm(['--filter', '@comms/client', 'run', 'build']);
}

/**
 * `start` runs everything in one process (the quick start, demo seed on);
 * `start api|worker` runs one scale-out role (needs REDIS_URL; no demo seed
 * unless asked, since several processes would race to create it).
 */
function start(role) {
  if (role !== undefined && role !== 'api' && role !== 'worker') {
    console.error('usage: node scripts/run.mjs start [api|worker]');
    process.exit(2);
  }
  install();
  if (role !== 'worker') buildClient();
  const env = role ? { ROLE: role, DEMO_SEED: process.env.DEMO_SEED ?? 'false' } : { DEMO_SEED: process.env.DEMO_SEED ?? 'true' };
  // The compiled server with the production node flags (server/scripts/start.mjs builds it when stale).
  const status = run(process.execPath, [join(root, 'server/scripts/start.mjs')], { cwd: join(root, 'server'), env });
  process.exit(status);
}

const [command, arg] = process.argv.slice(2);
if (command === 'start') start(arg);
else if (command === 'test') await test();
else if (command === 'test-db') {
  install();
  if (arg === 'postgres' && !(await ensurePostgres())) process.exit(1);
  const scaleout = arg === 'postgres' ? await scaleoutArgs() : { args: [], missing: false };
  if (scaleout.missing) process.exit(1);
  const r = vitest(arg === 'postgres' ? 'postgres' : 'sqlite', [...scaleout.args, ...process.argv.slice(4)]);
  console.log(`\ntests: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
  process.exit(r.failed > 0 ? 1 : 0);
} else {
  console.error('usage: node scripts/run.mjs start [api|worker]|test|test-db sqlite|postgres');
  process.exit(2);
}
