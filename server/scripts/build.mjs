// Compiles the server for production (`npm start`, the bench): plain `node dist/main.js`
// starts faster and idles ~50 MB lighter than transpiling with tsx at run time.
// tsc emits only TypeScript, so plain `.mjs` files (worker entry points) are copied beside.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const serverDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(serverDir, 'src');
const dist = join(serverDir, 'dist');

rmSync(dist, { recursive: true, force: true });
const tsc = join(serverDir, 'node_modules/typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(serverDir, 'tsconfig.build.json')], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);

function copyPlainModules(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) copyPlainModules(path);
    else if (entry.name.endsWith('.mjs')) {
      const target = join(dist, relative(src, path));
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(path, target);
    }
  }
}
copyPlainModules(src);
