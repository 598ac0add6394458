import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const clientDir = join(root, 'client');
const dist = join(clientDir, 'dist');

/** The newest modification time under a path (file or directory tree). */
function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** True when client/dist holds a build at least as new as every source of the dashboard. */
export function clientDistIsCurrent(): boolean {
  const index = join(dist, 'index.html');
  if (!existsSync(index)) return false;
  const sources = ['src', 'public', 'index.html', 'vite.config.ts', 'package.json'].map((p) => newestMtime(join(clientDir, p)));
  return statSync(index).mtimeMs >= Math.max(...sources);
}

export interface BuiltClient {
  /** The directory the server serves (its `CLIENT_DIST`). */
  dir: string;
  /** Removes a build made for this test file (never client/dist). */
  cleanup(): void;
}

/**
 * The dashboard the e2e tests load. `client/dist` when it is current (the test command builds it
 * first); otherwise a fresh production build into a temporary directory, so that test files running
 * in parallel never write the same folder and a stale dist is never tested.
 */
export function builtClient(): BuiltClient {
  if (clientDistIsCurrent()) return { dir: dist, cleanup: () => {} };
  const out = mkdtempSync(join(tmpdir(), 'comms-e2e-client-'));
  const vite = join(clientDir, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(vite)) throw new Error(`Vite is not installed at ${vite}: run \`npx pnpm@12.4.2 install\` first.`);
  const result = spawnSync(process.execPath, [vite, 'build', '--outDir', out, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: clientDir,
    encoding: 'utf8',
  });
  if (result.status !== 0 || !existsSync(join(out, 'index.html'))) {
    rmSync(out, { recursive: true, force: true });
    throw new Error(`The dashboard build failed (vite build exited with ${result.status}):\n${result.stderr}${result.stdout}`);
  }
  return { dir: out, cleanup: () => rmSync(out, { recursive: true, force: true }) };
}
