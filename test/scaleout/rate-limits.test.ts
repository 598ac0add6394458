import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../server/src/app.js';
import { parseEnv } from '../../server/src/config/env.js';
import { createPlatform } from '../../server/src/modules/platforms/platform.service.js';
import { createTestDatabase, TEST_DB, type TestDatabase } from '../support/database.js';
import { gql } from '../support/graphql.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

// Two API instances behind one load balancer: a client alternating between them must meet one
// allowance, not one per instance.
describe.skipIf(TEST_DB !== 'postgres')('rate limits shared through Redis across two API instances (needs TEST_DB=postgres and Redis)', () => {
  let database: TestDatabase;
  const apps: RunningApp[] = [];
  const prefix = `comms-test-rl-${process.pid}-${Date.now()}`;
  let apiKey: string;
  let admin: { email: string; password: string };
  const url = (i: number) => `http://127.0.0.1:${apps[i].port}`;

  beforeAll(async () => {
    database = await createTestDatabase();
    for (let i = 0; i < 2; i++) {
      const env = parseEnv({
        NODE_ENV: 'test',
        ROLE: 'api',
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        DATABASE_URL: database.url,
        REDIS_URL,
        REDIS_PREFIX: prefix,
        BATCH_CREATE_RATE_LIMIT: '3',
        SIGN_IN_RATE_LIMIT: '2',
      });
      apps.push(await startApp(env));
    }
    const p = await createPlatform(apps[0].services.orm.em.fork(), apps[0].services.db, { name: 'Rate Ltd', accounts: 3 });
    apiKey = p.apiKey;
    admin = p.admin;
  });
  afterAll(async () => {
    for (const a of apps) await a.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    await database.drop();
  });

  it('counts batch creations of one platform once, whichever instance serves them', async () => {
    const create = (i: number) => gql(url(i), { apiKey }, 'mutation { createUploadBatch(input: {}) { batch { id } } }');
    for (const i of [0, 1, 0]) expect((await create(i)).errors).toBeUndefined();
    const refused = await create(1);
    expect(refused.status).toBe(429);
    expect(refused.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  });

  it('counts failed sign-ins once across instances', async () => {
    const attempt = (i: number) =>
      fetch(`${url(i)}/auth/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: admin.email, password: 'wrong password' }),
      });
    expect((await attempt(0)).status).toBe(401);
    expect((await attempt(1)).status).toBe(401);
    const refused = await attempt(0);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);

    // The counters are in Redis under the deployment's prefix.
    const redis = new Redis(REDIS_URL);
    try {
      expect((await redis.keys(`${prefix}:rl:*`)).length).toBeGreaterThanOrEqual(2);
    } finally {
      await redis.quit();
    }
  });
});
