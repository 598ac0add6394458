import 'reflect-metadata';
import { startApp } from './app.js';
import { loadEnv } from './config/env.js';
import { ensureDemoPlatform } from './demo.js';
import { createLogger } from './logger.js';

const env = loadEnv();
const logger = createLogger(env.LOG_LEVEL);
const app = await startApp(env, { logger });

if (env.DEMO_SEED) {
  const demo = await ensureDemoPlatform(app.services);
  const lines = [
    '',
    `  Comms Center is running at ${app.url}`,
    ...(demo
      ? [
          `  Demo sign-in:  ${demo.admin.email}  /  ${demo.admin.password}`,
          `  Demo API key:  ${demo.apiKey}`,
          `  GraphQL:       ${app.url}/graphql`,
        ]
      : ['  (an existing database without demo credentials: use `pnpm cli create-platform`)']),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

// Orchestrators kill after a grace period (10–30 s): shutdown is bounded well within it (HTTP drain
// 3 s, jobs 5 s; see app.ts), and this timer is the last resort.
const FORCE_EXIT_MS = 9_500;
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error({ ms: Date.now() - started }, 'shutdown took too long; exiting anyway');
      process.exit(1);
    }, FORCE_EXIT_MS);
    force.unref();
    app.close().then(
      () => {
        logger.info({ ms: Date.now() - started }, 'shutdown complete');
        process.exit(0);
      },
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
