import type { Env } from '../config/env.js';
import type { Logger } from '../logger.js';
import { InProcessJobRunner } from './in-process-runner.js';
import type { JobRunner } from './job-runner.js';

/**
 * The one place that picks the job runner: BullMQ when REDIS_URL is set, else in-process.
 * BullMQ and ioredis are loaded only then: the embedded server does not carry them (about 7 MB
 * of heap and their code, against issue 16's idle-memory bound).
 */
export async function createJobRunner(env: Env, logger: Logger): Promise<JobRunner> {
  if (!env.REDIS_URL) return new InProcessJobRunner(logger, env.JOB_CONCURRENCY);
  const { BullMqJobRunner } = await import('./bullmq-runner.js');
  return new BullMqJobRunner({ url: env.REDIS_URL, prefix: env.REDIS_PREFIX, lockMs: env.JOB_LOCK_MS, concurrency: env.JOB_CONCURRENCY }, logger);
}
