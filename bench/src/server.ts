import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

const serverDir = resolve(import.meta.dirname, '../../server');

/** A free TCP port on loopback (never 4000: bind to 0, read it, release it). */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => done(port));
    });
  });
}

export interface BenchServer {
  url: string;
  wsUrl: string;
  pid: number;
  child: ChildProcess;
  /** Log lines printed so far (pino JSON). */
  logs: string[];
  /** SIGTERM (graceful: a --cpu-prof profile is written), SIGKILL after 30 s. */
  stop(): Promise<void>;
}

export interface ServerOptions {
  databaseUrl: string;
  uploadDir: string;
  /** Directory for `node --cpu-prof` output; unset: no profile. */
  profileDir?: string;
  env?: Record<string, string>;
}

let built = false;

/** Compiles the server once per bench process (`server/scripts/build.mjs`), as `npm start` does. */
function buildServerOnce(): void {
  if (built) return;
  const r = spawnSync(process.execPath, [resolve(serverDir, 'scripts/build.mjs')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('compiling the server failed');
  built = true;
}

/** The node flags `npm start` runs the server with (server/package.json, `production.nodeArgs`). */
function productionNodeArgs(): string[] {
  const pkg = JSON.parse(readFileSync(resolve(serverDir, 'package.json'), 'utf8')) as { production: { nodeArgs: string[] } };
  return [...pkg.production.nodeArgs];
}

/**
 * Starts the compiled server (`server/dist/main.js`) as a child process, as `npm start`
 * runs it in production (same node flags, NODE_ENV=production, in-process jobs and
 * pub/sub), and waits until /readyz answers.
 */
export async function startServer(opts: ServerOptions): Promise<BenchServer> {
  const port = await freePort();
  buildServerOnce();
  const nodeArgs = productionNodeArgs();
  if (opts.profileDir) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`, '--cpu-prof-interval=500');
  const child = spawn(process.execPath, [...nodeArgs, 'dist/main.js'], {
    cwd: serverDir,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      DEMO_SEED: 'false',
      DATABASE_URL: opts.databaseUrl,
      UPLOAD_DIR: opts.uploadDir,
      COOKIE_SECURE: 'false',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      LINK_SIGNING_SECRET: 'bench-link-signing-secret-0123456789',
      BATCH_CREATE_RATE_LIMIT: '100000',
      MAX_UPLOAD_ROWS: '1000000',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => logs.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  }
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${logs.slice(-30).join('\n')}`);
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`server did not start:\n${logs.slice(-30).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    pid: child.pid as number,
    child,
    logs,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Waits (up to `timeoutMs`) for the server to log `message` after index `from`, and returns its `ms`. */
export async function waitLoggedMs(logs: readonly string[], message: string, from: number, timeoutMs = 30_000): Promise<number | null> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const ms = loggedMs(logs.slice(from), message);
    if (ms !== null || Date.now() > end) return ms;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The `ms` the server logged with a message (e.g. "batch validated"), last occurrence. */
export function loggedMs(logs: readonly string[], message: string): number | null {
  for (let i = logs.length - 1; i >= 0; i--) {
    if (!logs[i].includes(message)) continue;
    try {
      const line = JSON.parse(logs[i]) as { msg?: string; ms?: number };
      if (line.msg === message && typeof line.ms === 'number') return line.ms;
    } catch {
      // not JSON
    }
  }
  return null;
}
