import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// `npm start` / `npm test` run scripts/run.mjs, which calls pnpm for its sub-commands. Under
// pnpm, npm_execpath names pnpm itself: a JavaScript entry up to pnpm 10, a native executable
// from pnpm 11 on (`npx pnpm@12.4.2 start`). Each fake below records the arguments it got and
// fails the `lint` step, so `run.mjs test` stops right after its first pnpm sub-command.
const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'comms-launcher-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runLauncher(execPath: string, log: string) {
  return spawnSync(process.execPath, [join(root, 'scripts/run.mjs'), 'test'], {
    cwd: root,
    env: { ...process.env, npm_execpath: execPath, FAKE_PNPM_LOG: log },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

/** Lines the fake pnpm logged, one per call: its arguments joined by spaces. */
function calls(log: string): string[] {
  try {
    return readFileSync(log, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

describe('the launcher calls the pnpm that runs it', () => {
  it('executes a native pnpm binary (pnpm 11+) directly', () => {
    // A compiled executable, as pnpm 12 ships: exits 0 for `install`, 3 for anything else.
    const source = join(dir, 'fake.c');
    writeFileSync(
      source,
      `#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
  FILE *f = fopen(getenv("FAKE_PNPM_LOG"), "a");
  for (int i = 1; i < argc; i++) fprintf(f, i > 1 ? " %s" : "%s", argv[i]);
  fprintf(f, "\\n");
  fclose(f);
  return argc > 1 && strcmp(argv[1], "install") == 0 ? 0 : 3;
}
`,
    );
    const binary = join(dir, 'native', 'pnpm');
    spawnSync('mkdir', ['-p', join(dir, 'native')]);
    const cc = spawnSync('cc', ['-o', binary, source], { encoding: 'utf8' });
    expect(cc.status, cc.stderr).toBe(0);
    const log = join(dir, 'native.log');

    const r = runLauncher(binary, log);

    expect(r.stderr).not.toContain('SyntaxError');
    expect(calls(log)).toContain('run lint');
    expect(r.stderr).toContain('exited with 3');
    expect(r.status).toBe(3);
  });

  it('executes a native pnpm given as a shell script without extension', () => {
    const script = join(dir, 'sh', 'pnpm');
    spawnSync('mkdir', ['-p', join(dir, 'sh')]);
    writeFileSync(script, '#!/bin/sh\necho "$*" >> "$FAKE_PNPM_LOG"\n[ "$1" = install ] && exit 0\nexit 3\n');
    chmodSync(script, 0o755);
    const log = join(dir, 'sh.log');

    const r = runLauncher(script, log);

    expect(r.stderr).not.toContain('SyntaxError');
    expect(calls(log)).toContain('run lint');
    expect(r.status).toBe(3);
  });

  it('runs a JavaScript pnpm entry (pnpm ≤ 10) with node', () => {
    // Not executable on purpose: it only works when the launcher hands it to node.
    const entry = join(dir, 'js', 'pnpm.cjs');
    spawnSync('mkdir', ['-p', join(dir, 'js')]);
    writeFileSync(
      entry,
      `const args = process.argv.slice(2);
require('node:fs').appendFileSync(process.env.FAKE_PNPM_LOG, args.join(' ') + '\\n');
process.exit(args[0] === 'install' ? 0 : 3);
`,
    );
    const log = join(dir, 'js.log');

    const r = runLauncher(entry, log);

    expect(calls(log)).toContain('run lint');
    expect(r.status).toBe(3);
  });
});
