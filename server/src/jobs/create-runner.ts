import type { Env } from '../config/env.js';
import type { Logger } from '../logger.js';
import { BullMqJobRunner } from './bullmq-runner.js';
import { InProcessJobRunner } from './in-process-runner.js';
import type { JobRunner } from './job-runner.js';

/** The one place that picks the job runner: BullMQ when REDIS_URL is set, else in-process. */
export function createJobRunner(env: Env, logger: Logger): JobRunner {
  return env.REDIS_URL
    ? new BullMqJobRunner({ url: env.REDIS_URL, prefix: env.REDIS_PREFIX, lockMs: env.JOB_LOCK_MS, concurrency: env.JOB_CONCURRENCY }, logger)
    : new InProcessJobRunner(logger, env.JOB_CONCURRENCY);
}
