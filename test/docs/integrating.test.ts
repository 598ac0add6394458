import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

/** The ```sh blocks of a Markdown file, in order. */
function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
}

describe('docs/INTEGRATING.md', () => {
  let t: TestApp;
  let work: string;

  beforeAll(async () => {
    t = await startTestApp();
    work = mkdtempSync(join(tmpdir(), 'comms-docs-'));
    // The walk-through's graphql-ws script, with the two packages it asks integrators to install.
    const examples = join(work, 'examples');
    mkdirSync(join(examples, 'node_modules'), { recursive: true });
    copyFileSync(join(root, 'docs/examples/watch-batch.mjs'), join(examples, 'watch-batch.mjs'));
    for (const pkg of ['graphql-ws', 'ws']) {
      symlinkSync(resolve(root, 'test/node_modules', pkg), join(examples, 'node_modules', pkg));
    }
  });
  afterAll(async () => {
    rmSync(work, { recursive: true, force: true });
    await t.stop();
  });

  it('runs start to finish against a fresh server', async () => {
    const p = await t.platform('Docs Platform', 30);
    const blocks = shellBlocks(readFileSync(join(root, 'docs/INTEGRATING.md'), 'utf8'));
    expect(blocks.length).toBeGreaterThanOrEqual(7);
    const script = `set -euo pipefail\n${blocks.join('\n')}`;
    const { stdout } = await run('bash', ['-c', script], {
      cwd: work,
      env: { ...process.env, COMMS_URL: t.url, COMMS_API_KEY: p.apiKey, EXAMPLES_DIR: join(work, 'examples') },
      timeout: 60_000,
    });
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('Docs Platform');
    expect(stdout).toContain('Account ID,Business Name,First Name,Last Name,Email Address (please add or replace)');
    expect(stdout).toMatch(/"status":"VALIDATING"|VALIDATING/);
    expect(stdout).toMatch(/^VALIDATED \d+\/\d+ validated, 0 applied$/m);
    expect(stdout).toMatch(/"additions":\d+/);
    expect(stdout).toMatch(/^COMPLETED \d+\/\d+ validated, 2 applied$/m);
    expect(lines.at(-2)).toBe('COMPLETED');
    expect(lines.at(-1)).toBe('single.edit@example.com');
  });
});
