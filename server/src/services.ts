import type { MikroORM } from '@mikro-orm/core';
import type { Env } from './config/env.js';
import type { SqlDatabase } from './db/sql.js';
import type { JobRunner } from './jobs/job-runner.js';
import type { Logger } from './logger.js';
import type { DomainResolver, DomainVerdictCache } from './modules/batches/pipeline/domain-check.js';
import type { LinkSigner } from './modules/files/link-signer.js';
import type { Metrics } from './modules/metrics/metrics.registry.js';
import type { UploadStore } from './modules/files/upload-store.js';
import type { PubSubBus } from './pubsub/pubsub.js';

/** The long-lived parts of the app, built once at start and handed to features. */
export interface Services {
  env: Env;
  orm: MikroORM;
  db: SqlDatabase;
  jobs: JobRunner;
  pubsub: PubSubBus;
  logger: Logger;
  links: LinkSigner;
  /** Where uploaded files wait for validation (a directory on this machine, or the database). */
  uploads: UploadStore;
  /**
   * Aborted when the process starts shutting down: long jobs stop at their next safe point
   * (the apply between two chunks) and throw `JobHandedBack`.
   */
  shutdown: AbortSignal;
  /** Prometheus metrics of this process (GET /metrics, METRICS_PORT). */
  metrics: Metrics;
  /** The email domains' DNS check (EMAIL_DNS_CHECK); absent when off. */
  emailDns?: { resolver: DomainResolver; cache: DomainVerdictCache };
}
