// Runs the compiled server as in production: builds `dist/` when it is missing or older
// than the sources, then starts `node <production.nodeArgs> dist/main.js`. The node flags
// live in package.json (`production.nodeArgs`) so `npm start` and the bench use the same.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const serverDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Newest modification time under `dir`. */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Compiles the server unless `dist/` is newer than every source file. */
export function buildServerIfStale() {
  const main = join(serverDir, 'dist/main.js');
  if (existsSync(main) && statSync(main).mtimeMs >= newestMtime(join(serverDir, 'src'))) return;
  console.log('› compiling the server');
  const r = spawnSync(process.execPath, [join(serverDir, 'scripts/build.mjs')], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** The node flags production runs the server with (heap cap, source maps). */
export function productionNodeArgs() {
  return JSON.parse(readFileSync(join(serverDir, 'package.json'), 'utf8')).production.nodeArgs;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildServerIfStale();
  const child = spawn(process.execPath, [...productionNodeArgs(), 'dist/main.js'], { cwd: serverDir, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
