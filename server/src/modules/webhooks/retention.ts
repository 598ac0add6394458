import type { SqlDatabase } from '../../db/sql.js';
import type { Services } from '../../services.js';
import { addEventCount } from '../events/event-count.store.js';
import { foldCounts } from './counts.store.js';
import { toDate } from './webhook.mapper.js';

export const WEBHOOK_RETENTION_JOB = 'webhooks.retention';
/** Folds the Webhooks page's counters (counts.store.ts): cheap, so often. */
export const WEBHOOK_COUNT_FOLD_JOB = 'webhooks.fold-counts';
const COUNT_FOLD_MS = 60 * 1000;

/** How often the worker purges (and once at start). */
const RETENTION_SWEEP_MS = 60 * 60 * 1000;
/** Transactions one run may take per table: a backlog of years drains over several runs, never in one long job. */
const MAX_BATCHES_PER_RUN = 200;

export interface RetentionResult {
  deliveries: number;
  events: number;
}

/**
 * Deletes delivered deliveries older than `before`, at most `limit` rows per transaction, oldest
 * first through the partial index webhook_delivery_delivered_idx. Pending and failed deliveries are
 * kept: they are still work, or the record of why an event never arrived.
 */
export async function purgeDeliveredDeliveries(db: SqlDatabase, before: Date, limit: number, signal?: AbortSignal): Promise<number> {
  let total = 0;
  for (let i = 0; i < MAX_BATCHES_PER_RUN && !signal?.aborted; i++) {
    const n = await db.transaction((tx) =>
      tx.execute(
        `delete from webhook_delivery where (endpoint_id, event_seq) in (
           select endpoint_id, event_seq from webhook_delivery
            where status = 'delivered' and delivered_at < $1 order by delivered_at limit $2)`,
        [before, limit],
      ),
    );
    total += n;
    if (n < limit) break;
  }
  return total;
}

/**
 * Deletes events older than `before` that nothing refers to any more: fanned out already, and no
 * delivery row left for them (their deliveries were delivered and purged, or the platform had no
 * endpoint). Walks the outbox in seq order a page at a time and stops at the first page holding a
 * newer event, so a run reads only the old head of the table (plus the few events a failed or
 * pending delivery still keeps). The delivery check is one primary-key probe per endpoint of the
 * event's platform.
 */
export async function purgeUnreferencedEvents(db: SqlDatabase, before: Date, limit: number, signal?: AbortSignal): Promise<number> {
  let total = 0;
  let after = 0;
  for (let i = 0; i < MAX_BATCHES_PER_RUN && !signal?.aborted; i++) {
    const page = await db.transaction(async (tx) => {
      const [range] = await tx.query<{ n: number | string; hi: number | string | null; newest: unknown }>(
        `select count(*) as n, max(seq) as hi, max(created_at) as newest
           from (select seq, created_at from event where seq > $1 order by seq limit $2) p`,
        [after, limit],
      );
      const n = Number(range.n);
      if (n === 0) return { n, hi: after, deleted: 0, reachedNew: true };
      const hi = Number(range.hi);
      const gone = await tx.query<{ platform_id: string; type: string }>(
        `delete from event where seq in (
           select e.seq from event e
            where e.seq > $1 and e.seq <= $2 and e.created_at < $3
              and e.seq <= (select f.last_seq from webhook_fanout f where f.id = 1)
              and not exists (select 1 from webhook_endpoint w join webhook_delivery d on d.endpoint_id = w.id and d.event_seq = e.seq
                               where w.platform_id = e.platform_id))
         returning platform_id, type`,
        [after, hi, before],
      );
      // At most `limit` rows: counted here, one upsert per platform and type (sorted: a fixed lock order).
      const perKey = new Map<string, { platformId: string; type: string; n: number }>();
      for (const r of gone) {
        const k = `${r.platform_id}\u0000${r.type}`;
        const entry = perKey.get(k) ?? { platformId: r.platform_id, type: r.type, n: 0 };
        entry.n += 1;
        perKey.set(k, entry);
      }
      for (const [, c] of [...perKey].sort(([a], [b]) => (a < b ? -1 : 1))) await addEventCount(tx, c.platformId, c.type, -c.n);
      const deleted = gone.length;
      const newest = toDate(range.newest)?.getTime() ?? Number.POSITIVE_INFINITY;
      return { n, hi, deleted, reachedNew: newest >= before.getTime() };
    });
    total += page.deleted;
    after = page.hi;
    if (page.reachedNew || page.n < limit) break;
  }
  return total;
}

/** One retention run: deliveries first, so their events become unreferenced in the same run. */
export async function runRetention(services: Pick<Services, 'db' | 'env' | 'logger' | 'shutdown'>, now = new Date()): Promise<RetentionResult> {
  const { db, env, logger, shutdown } = services;
  const before = new Date(now.getTime() - env.WEBHOOK_RETENTION_DAYS * 86_400_000);
  const started = Date.now();
  const deliveries = await purgeDeliveredDeliveries(db, before, env.WEBHOOK_RETENTION_BATCH_ROWS, shutdown);
  const events = await purgeUnreferencedEvents(db, before, env.WEBHOOK_RETENTION_BATCH_ROWS, shutdown);
  if (deliveries + events > 0) logger.info({ deliveries, events, before, ms: Date.now() - started }, 'webhook retention purged old deliveries and events');
  return { deliveries, events };
}

/** Registers the retention job (processes that run jobs). */
export function registerRetentionJob(services: Services): void {
  services.jobs.register(WEBHOOK_RETENTION_JOB, async () => {
    await runRetention(services);
  });
  services.jobs.register(WEBHOOK_COUNT_FOLD_JOB, async () => {
    await foldCounts(services.db);
  });
}

/**
 * Runs retention now and hourly, and the counter fold every minute, one run of each at a time
 * across workers (job id); returns the stop.
 */
export function scheduleRetention(services: Services): () => void {
  const run = () => void services.jobs.enqueue(WEBHOOK_RETENTION_JOB, {}, { jobId: 'webhook-retention' });
  const fold = () => void services.jobs.enqueue(WEBHOOK_COUNT_FOLD_JOB, {}, { jobId: 'webhook-count-fold' });
  run();
  const timers = [setInterval(run, RETENTION_SWEEP_MS), setInterval(fold, COUNT_FOLD_MS)];
  for (const timer of timers) timer.unref();
  return () => {
    for (const timer of timers) clearInterval(timer);
  };
}
