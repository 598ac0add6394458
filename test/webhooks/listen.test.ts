import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from '../../server/src/modules/webhooks/signing.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eligibleAccounts, emitEvent } from './helpers.js';
import { Receiver, waitFor } from './receiver.js';

const serverDir = resolve(import.meta.dirname, '../../server');

/** Starts `pnpm cli listen …` as the operator would (tsx, DATABASE_URL) and collects its stdout lines. */
function startListen(databaseUrl: string, args: string[]) {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'listen', ...args], {
    cwd: serverDir,
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' },
  });
  const lines: string[] = [];
  let stderr = '';
  createInterface({ input: child.stdout }).on('line', (l) => lines.push(l));
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, lines, exited, stderr: () => stderr };
}

describe('pnpm cli listen', () => {
  let t: TestApp;
  let receiver: Receiver;
  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_POLL_INTERVAL_MS: '50' });
    receiver = await Receiver.start();
  });
  afterAll(async () => {
    await t.stop();
    await receiver.down();
  });

  it('prints the platform’s new events and forwards each, signed, to --forward-to', async () => {
    const p = await t.platform('Listen Co', 10);
    const otherP = await t.platform('Not Listened Co', 10);
    const auth = { apiKey: p.apiKey };
    const [a, b] = await eligibleAccounts(t.url, auth, 2);
    const before = await emitEvent(t.url, auth, a.id);

    const run = startListen(t.databaseUrl, ['--platform', p.platformId, '--forward-to', receiver.url, '--json']);
    try {
      const ready = JSON.parse(await waitFor(() => run.lines[0], 30_000, `the ready line (${run.stderr()})`));
      expect(ready).toEqual({ ready: true, platformId: p.platformId, forwardTo: receiver.url, secret: expect.stringMatching(/^whsec_/) });

      const [x] = await eligibleAccounts(t.url, { apiKey: otherP.apiKey }, 1);
      await emitEvent(t.url, { apiKey: otherP.apiKey }, x.id);
      const eventId = await emitEvent(t.url, auth, b.id);
      const line = JSON.parse(await waitFor(() => run.lines[1], 10_000, 'the event line'));
      expect(line).toEqual({
        event: expect.objectContaining({ id: eventId, type: 'account.updated', object: 'event' }),
        forward: { status: 204, latencyMs: expect.any(Number), error: null },
      });
      const [req] = receiver.forEvent(eventId);
      expect(new Webhook(ready.secret).verify(req.body, req.headers)).toMatchObject({ id: eventId });
      // Only events recorded after it started, and only this platform's.
      expect(receiver.forEvent(before)).toHaveLength(0);
      expect(receiver.requests).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 300));
      expect(run.lines).toHaveLength(2);
    } finally {
      run.child.kill('SIGINT');
    }
    expect(await run.exited).toBe(0);
  });

  it('without --forward-to it only prints, in a human format; an unknown platform is refused', async () => {
    const p = await t.platform('Print Co', 5);
    const auth = { apiKey: p.apiKey };
    const run = startListen(t.databaseUrl, ['--platform', p.platformId]);
    try {
      await waitFor(() => run.lines[0]?.startsWith('Ready.'), 30_000, 'the ready line');
      const [a] = await eligibleAccounts(t.url, auth, 1);
      const eventId = await emitEvent(t.url, auth, a.id);
      const line = await waitFor(() => run.lines[1], 10_000, 'the event line');
      expect(line).toContain(`account.updated  ${eventId}  ${a.id}`);
    } finally {
      run.child.kill('SIGINT');
    }
    expect(await run.exited).toBe(0);

    const bad = startListen(t.databaseUrl, ['--platform', 'plat_nope']);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toContain('No platform with id plat_nope');
  });
});
