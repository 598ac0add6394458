import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import type { Env } from './config/env.js';
import { openOrm, startDatabaseMaintenance } from './db/orm.js';
import { createSqlDatabase } from './db/sql.js';
import { createSchema } from './graphql/schema.js';
import { createHealthServer } from './http/health-server.js';
import { createHttpApp, type HttpApp, type RouteMount } from './http/server.js';
import { createJobRunner } from './jobs/create-runner.js';
import { createLogger, type Logger } from './logger.js';
import { recoverBatches, registerBatchJobs, scheduleExpiry } from './modules/batches/batch.lifecycle.js';
import { LinkSigner } from './modules/files/link-signer.js';
import { mountFixFileRoute } from './modules/files/fix-file.route.js';
import { mountReportRoute } from './modules/files/report.route.js';
import { mountTemplateRoute } from './modules/files/template.route.js';
import { createUploadStore } from './modules/files/upload-store.js';
import { mountUploadRoute } from './modules/files/upload.route.js';
import { metricsRoute, startMetricsServer } from './modules/metrics/metrics.http.js';
import { InstrumentedJobRunner } from './modules/metrics/metrics.jobs.js';
import { Metrics } from './modules/metrics/metrics.registry.js';
import { registerWebhookJobs, type WebhookWorker } from './modules/webhooks/delivery.worker.js';
import { registerRetentionJob, scheduleRetention } from './modules/webhooks/retention.js';
import { createBus } from './pubsub/create-bus.js';
import type { Services } from './services.js';
import { DomainVerdictCache } from './modules/batches/pipeline/domain-check.js';
import { createDnsResolver } from './modules/batches/validation/dns-resolver.js';
import { stopParseWorker } from './modules/batches/validation/parse-in-worker.js';

export interface RunningApp {
  url: string;
  port: number;
  /** The internal metrics port (METRICS_PORT; 0 picks a free one), when set. */
  metricsPort?: number;
  services: Services;
  close(): Promise<void>;
}

/**
 * How long shutdown waits for running jobs. An apply hands back within one chunk; a validation
 * runs to its end unless this runs out (embedded: the next start marks it FAILED; BullMQ: its
 * lock lapses and another worker runs it again).
 */
const JOBS_DRAIN_MS = 5_000;

/** Waits for `work`, at most `ms`; `onTimeout` says what was left behind. */
async function settleWithin(work: Promise<unknown>, ms: number, onTimeout: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  const outcome = await Promise.race([work.then(() => 'done' as const, () => 'done' as const), timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') onTimeout();
}

/** Feature modules plug in here: HTTP routes, jobs and start-up recovery. */
const routeMounts: RouteMount[] = [mountUploadRoute, mountTemplateRoute, mountReportRoute, mountFixFileRoute];

/**
 * Builds every part and listens. Used by main.ts and by the tests alike.
 * ROLE decides the parts: `all` everything, `api` HTTP/WebSocket only (jobs
 * are enqueued for the workers), `worker` jobs, webhook delivery and expiry
 * behind a probe-only HTTP server.
 */
export async function startApp(env: Env, opts: { logger?: Logger } = {}): Promise<RunningApp> {
  const logger = opts.logger ?? createLogger(env.LOG_LEVEL);
  const orm = await openOrm(env.database, logger, { backgroundCheckpoints: true });
  const maintenance = await startDatabaseMaintenance(env.database, orm, logger);
  const db = createSqlDatabase(orm);
  const metrics = new Metrics(db, logger);
  const jobs = new InstrumentedJobRunner(await createJobRunner(env, logger), metrics, db);
  const pubsub = await createBus(env, logger);
  const links = new LinkSigner(env.LINK_SIGNING_SECRET);
  const uploads = createUploadStore(env, db);
  const shutdown = new AbortController();
  const services: Services = { env, orm, db, jobs, pubsub, logger, links, uploads, shutdown: shutdown.signal, metrics };
  if (env.EMAIL_DNS_CHECK) {
    services.emailDns = {
      resolver: createDnsResolver({ servers: env.EMAIL_DNS_SERVERS, timeoutMs: env.EMAIL_DNS_TIMEOUT_MS }),
      cache: new DomainVerdictCache(),
    };
  }
  const runsJobs = env.ROLE !== 'api';
  let webhooks: WebhookWorker | undefined;
  if (runsJobs) {
    registerBatchJobs(services);
    webhooks = registerWebhookJobs(services);
    registerRetentionJob(services);
  }

  let http: HttpApp;
  if (env.ROLE === 'worker') {
    http = createHealthServer(db, logger, metricsRoute(metrics, env.METRICS_TOKEN, logger));
  } else {
    const schema = await createSchema();
    http = await createHttpApp(services, schema, routeMounts);
  }
  await new Promise<void>((resolve, reject) => {
    http.server.once('error', reject);
    http.server.listen(env.PORT, env.HOST, () => resolve());
  });
  const port = (http.server.address() as AddressInfo).port;
  const metricsServer =
    env.METRICS_PORT === undefined
      ? undefined
      : await startMetricsServer(metrics, { port: env.METRICS_PORT, host: env.METRICS_HOST, token: env.METRICS_TOKEN }, logger);
  const url = env.PUBLIC_URL ?? `http://localhost:${port}`;
  logger.info({ url, database: env.database.dialect, role: env.ROLE, jobs: jobs.durable ? 'bullmq' : 'in-process' }, 'listening');
  let stopExpiry = () => {};
  let stopRetention = () => {};
  if (runsJobs) {
    await recoverBatches(services);
    stopExpiry = scheduleExpiry(services);
    stopRetention = scheduleRetention(services);
    webhooks?.start();
  }

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      // Jobs stop at their next safe point (the apply hands back its batch between two chunks),
      // /readyz answers 503, no new job is taken; meanwhile HTTP drains and sockets close (1001).
      shutdown.abort();
      stopExpiry();
      stopRetention();
      const jobsClosed = jobs.close();
      await webhooks?.stop();
      await http.close();
      await metricsServer?.close();
      await settleWithin(jobsClosed, JOBS_DRAIN_MS, () =>
        logger.warn({ waitedMs: JOBS_DRAIN_MS }, 'jobs still running at shutdown: left to recovery (apply resumes, validation restarts or fails)'),
      );
      await pubsub.close();
      await stopParseWorker();
      await db.close();
      await orm.close();
      await maintenance.close();
    })();
    return closing;
  };
  const metricsPort = metricsServer ? (metricsServer.server.address() as AddressInfo).port : undefined;
  return { url, port, metricsPort, services, close };
}
