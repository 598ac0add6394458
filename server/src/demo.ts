import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createPlatform } from './modules/platforms/platform.service.js';
import { Platform } from './modules/platforms/platform.entity.js';
import type { Services } from './services.js';

export interface DemoCredentials {
  platformId: string;
  apiKey: string;
  admin: { email: string; password: string };
}

const DEMO_FILE = resolve('data/demo-credentials.json');

/**
 * On first start of an empty database, creates the demo platform and keeps its
 * credentials in data/ (git-ignored) so every later start can print them again:
 * only hashes are in the database.
 */
export async function ensureDemoPlatform(services: Services): Promise<DemoCredentials | null> {
  const em = services.orm.em.fork();
  if ((await em.count(Platform, {})) > 0) {
    try {
      return JSON.parse(readFileSync(DEMO_FILE, 'utf8')) as DemoCredentials;
    } catch {
      return null;
    }
  }
  services.logger.info({ accounts: services.env.DEMO_ACCOUNTS }, 'creating the demo platform');
  const created = await createPlatform(em, services.db, {
    name: 'Demo Marketplace',
    accounts: services.env.DEMO_ACCOUNTS,
    adminEmail: 'admin@demo.example',
  });
  mkdirSync(dirname(DEMO_FILE), { recursive: true });
  writeFileSync(DEMO_FILE, `${JSON.stringify(created, null, 2)}\n`, { mode: 0o600 });
  return created;
}
