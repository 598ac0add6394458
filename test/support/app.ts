import { parseEnv } from '../../server/src/config/env.js';
import { startApp, type RunningApp } from '../../server/src/app.js';
import { createPlatform, type CreatedPlatform } from '../../server/src/modules/platforms/platform.service.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface TestApp {
  app: RunningApp;
  url: string;
  wsUrl: string;
  databaseUrl: string;
  /** Creates a platform with seeded accounts straight through the service layer. */
  platform(name: string, accounts?: number): Promise<CreatedPlatform>;
  stop(): Promise<void>;
}

/** Starts the real server (HTTP + WebSocket on a free port) on a throwaway database. */
export async function startTestApp(settings: Record<string, string> = {}): Promise<TestApp> {
  const database: TestDatabase = await createTestDatabase();
  const env = parseEnv({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: database.url,
    ...settings,
  });
  const app = await startApp(env);
  const url = `http://127.0.0.1:${app.port}`;
  return {
    app,
    url,
    wsUrl: `ws://127.0.0.1:${app.port}/graphql`,
    databaseUrl: database.url,
    platform: (name, accounts = 50) =>
      createPlatform(app.services.orm.em.fork(), app.services.db, { name, accounts }),
    stop: async () => {
      await app.close();
      await database.drop();
    },
  };
}
