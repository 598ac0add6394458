import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestApp } from '../support/app.js';
import { gql, gqlData, signIn } from '../support/graphql.js';

const run = promisify(execFile);
const serverDir = resolve(import.meta.dirname, '../../server');

function cli(databaseUrl: string, ...args: string[]) {
  return run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: serverDir,
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' },
  });
}

describe('operator CLI', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('create-platform --json prints the documented shape, and the credentials work', async () => {
    const { stdout } = await cli(db.url, 'create-platform', '--name', 'Acme', '--accounts', '120', '--json');
    const out = JSON.parse(stdout);
    expect(Object.keys(out).sort()).toEqual(['admin', 'apiKey', 'platformId']);
    expect(out.platformId).toMatch(/^plat_[A-Za-z0-9]{24}$/);
    expect(out.apiKey).toMatch(/^sk_[A-Za-z0-9]{40}$/);
    expect(out.admin).toEqual({ email: expect.stringMatching(/@acme\.example$/), password: expect.any(String) });

    const { stdout: keyOut } = await cli(db.url, 'create-api-key', '--platform', out.platformId, '--json');
    const { apiKey } = JSON.parse(keyOut);
    expect(apiKey).toMatch(/^sk_/);
    const { stdout: userOut } = await cli(
      db.url,
      'create-user',
      '--platform',
      out.platformId,
      '--email',
      'ops@acme.example',
      '--role',
      'VIEWER',
      '--json',
    );
    const user = JSON.parse(userOut);
    expect(user).toEqual({ email: 'ops@acme.example', password: expect.any(String) });

    // The server reads what the CLI wrote (same database, another process).
    const t = await startTestApp({ DATABASE_URL: db.url });
    try {
      const viaKey = await gqlData<{ viewer: { platform: { id: string } }; connectedAccounts: { totalCount: number } }>(
        t.url,
        { apiKey },
        '{ viewer { platform { id } } connectedAccounts { totalCount } }',
      );
      expect(viaKey).toEqual({ viewer: { platform: { id: out.platformId } }, connectedAccounts: { totalCount: 120 } });
      const adminCookie = await signIn(t.url, out.admin.email, out.admin.password);
      const viewerCookie = await signIn(t.url, user.email, user.password);
      const roles = await Promise.all(
        [adminCookie, viewerCookie].map((cookie) => gqlData<{ viewer: { role: string } }>(t.url, { cookie }, '{ viewer { role } }')),
      );
      expect(roles.map((r) => r.viewer.role)).toEqual(['ADMIN', 'VIEWER']);
    } finally {
      await t.app.close();
    }
  });

  it('seeds the same accounts for the same platform name', async () => {
    const first = JSON.parse((await cli(db.url, 'create-platform', '--name', 'Same', '--accounts', '25', '--json')).stdout);
    const second = JSON.parse((await cli(db.url, 'create-platform', '--name', 'Same', '--accounts', '25', '--json')).stdout);
    const t = await startTestApp({ DATABASE_URL: db.url });
    try {
      const q = '{ connectedAccounts(first: 100) { edges { node { id businessName firstName lastName email userClaimedEmail status } } } }';
      const [a, b] = await Promise.all([first, second].map((p) => gqlData(t.url, { apiKey: p.apiKey }, q)));
      expect(a).toEqual(b);
      expect(JSON.stringify(a).match(/"id"/g)).toHaveLength(25);
    } finally {
      await t.app.close();
    }
  });

  it('revoke-api-key --prefix --json revokes the key at once and writes the audit log', async () => {
    const out = JSON.parse((await cli(db.url, 'create-platform', '--name', 'Revoke', '--json')).stdout);
    const prefix = out.apiKey.slice(0, 10);
    const t = await startTestApp({ DATABASE_URL: db.url });
    try {
      expect((await gql(t.url, { apiKey: out.apiKey }, '{ viewer { role } }')).status).toBe(200);
      const { stdout } = await cli(db.url, 'revoke-api-key', '--prefix', prefix, '--json');
      expect(JSON.parse(stdout)).toEqual({ revoked: true });
      expect((await gql(t.url, { apiKey: out.apiKey }, '{ viewer { role } }')).status).toBe(401);
      const cookie = await signIn(t.url, out.admin.email, out.admin.password);
      const log = await gqlData<{ auditLog: { edges: { node: { action: string; actor: string | null; target: string } }[] } }>(
        t.url,
        { cookie },
        '{ auditLog { edges { node { action actor target } } } }',
      );
      expect(log.auditLog.edges.map((e) => e.node)).toEqual([{ action: 'api_key.revoked', actor: null, target: prefix }]);
      // Again: nothing active has that prefix any more.
      await expect(cli(db.url, 'revoke-api-key', '--prefix', prefix, '--json')).rejects.toMatchObject({
        code: 1,
        stdout: expect.stringContaining('"revoked":false'),
      });
    } finally {
      await t.app.close();
    }
  });

  it('explains bad usage with exit code 2', async () => {
    await expect(cli(db.url, 'create-user', '--platform', 'plat_nope', '--email', 'x@y.z', '--role', 'ADMIN')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('No platform with id plat_nope'),
    });
    await expect(cli(db.url, 'create-platform', '--accounts', '3')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--name is required'),
    });
  });
});
