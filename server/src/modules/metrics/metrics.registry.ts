import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { SqlDatabase } from '../../db/sql.js';
import type { Logger } from '../../logger.js';
import { toDate } from '../webhooks/webhook.mapper.js';

/** Outcomes of one webhook attempt, as counted (a cut-short attempt at shutdown is not one). */
export const WEBHOOK_ATTEMPT_OUTCOMES = ['delivered', 'http_error', 'network_error'] as const;
export type WebhookAttemptOutcome = (typeof WEBHOOK_ATTEMPT_OUTCOMES)[number];

/** Job outcomes: done, failed, or handed back at shutdown (runs again). */
export const JOB_OUTCOMES = ['done', 'failed', 'handed_back'] as const;
export type JobOutcome = (typeof JOB_OUTCOMES)[number];

/** Rows per second, from a few hundred (a busy PostgreSQL) to a few hundred thousand (SQLite, small rows). */
const ROWS_PER_SECOND_BUCKETS = [100, 300, 1_000, 3_000, 10_000, 30_000, 100_000, 300_000];
/** Job durations: a webhook round takes milliseconds, a 500,000-row validation tens of seconds. */
const JOB_SECONDS_BUCKETS = [0.01, 0.05, 0.25, 1, 2.5, 5, 10, 30, 60, 120, 300, 900];
const REQUEST_SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The process's Prometheus metrics, one registry per app (tests run several apps in one process).
 * Counters and histograms are fed by the code that does the work; gauges of durable state
 * (batches, rows in flight, outbox, endpoints) are read from the database at scrape time, from
 * indexed or small tables, so every instance reports the deployment's state.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  readonly graphqlOperations: Counter<'type' | 'operation' | 'outcome'>;
  readonly graphqlDuration: Histogram<'type' | 'operation'>;
  readonly jobDuration: Histogram<'job' | 'outcome'>;
  readonly rowsPerSecond: Histogram<'phase'>;
  readonly webhookAttempts: Counter<'outcome'>;

  constructor(db: SqlDatabase, logger: Logger) {
    const registers = [this.registry];
    // Event-loop lag (nodejs_eventloop_lag_*), heap and RSS (process_resident_memory_bytes), GC, handles.
    collectDefaultMetrics({ register: this.registry });
    this.httpRequests = new Counter({
      name: 'comms_http_requests_total',
      help: 'HTTP requests answered, by method, route and status code.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'comms_http_request_duration_seconds',
      help: 'HTTP request duration, from arrival to the last byte written.',
      labelNames: ['method', 'route'],
      buckets: REQUEST_SECONDS_BUCKETS,
      registers,
    });
    this.graphqlOperations = new Counter({
      name: 'comms_graphql_operations_total',
      help: 'GraphQL operations over HTTP, by type, root field and outcome (ok or the first error code).',
      labelNames: ['type', 'operation', 'outcome'],
      registers,
    });
    this.graphqlDuration = new Histogram({
      name: 'comms_graphql_operation_duration_seconds',
      help: 'GraphQL operation duration over HTTP, by type and root field.',
      labelNames: ['type', 'operation'],
      buckets: REQUEST_SECONDS_BUCKETS,
      registers,
    });
    this.jobDuration = new Histogram({
      name: 'comms_job_duration_seconds',
      help: 'Background job duration by job name and outcome (done, failed, handed_back).',
      labelNames: ['job', 'outcome'],
      buckets: JOB_SECONDS_BUCKETS,
      registers,
    });
    this.rowsPerSecond = new Histogram({
      name: 'comms_batch_rows_per_second',
      help: 'Throughput of each finished validation or apply job (rows of the batch / job seconds).',
      labelNames: ['phase'],
      buckets: ROWS_PER_SECOND_BUCKETS,
      registers,
    });
    this.webhookAttempts = new Counter({
      name: 'comms_webhook_attempts_total',
      help: 'Webhook delivery attempts by outcome: delivered (2xx), http_error (another status), network_error (no response).',
      labelNames: ['outcome'],
      registers,
    });
    for (const outcome of WEBHOOK_ATTEMPT_OUTCOMES) this.webhookAttempts.inc({ outcome }, 0);

    const fromDatabase = <T>(what: string, read: () => Promise<T>, set: (v: T) => void) => async () => {
      try {
        set(await read());
      } catch (err) {
        // A scrape during a database outage still returns the process metrics.
        logger.warn({ err, metric: what }, 'metrics: could not read from the database');
      }
    };

    const batches = new Gauge({
      name: 'comms_batches',
      help: 'Upload batches by status (all platforms).',
      labelNames: ['status'],
      registers,
      collect: fromDatabase(
        'comms_batches',
        () => db.query<{ status: string; n: number | string }>('select status, count(*) as n from upload_batch group by status'),
        (rows) => {
          batches.reset();
          for (const r of rows) batches.set({ status: r.status }, Number(r.n));
        },
      ),
    });
    const inFlight = new Gauge({
      name: 'comms_rows_in_flight',
      help: 'Rows of running batches not done yet: validating (rows not validated) and applying (rows not applied).',
      labelNames: ['phase'],
      registers,
      collect: fromDatabase(
        'comms_rows_in_flight',
        () =>
          db.query<{ validating: number | string | null; applying: number | string | null }>(
            `select sum(case when status = 'VALIDATING' then total_rows - processed_rows else 0 end) as validating,
                    sum(case when status = 'APPLYING' then additions + replacements - applied - conflicts - failed else 0 end) as applying
               from upload_batch where status in ('VALIDATING', 'APPLYING')`,
          ),
        ([r]) => {
          inFlight.set({ phase: 'validating' }, Math.max(0, Number(r?.validating ?? 0)));
          inFlight.set({ phase: 'applying' }, Math.max(0, Number(r?.applying ?? 0)));
        },
      ),
    });
    // Both outbox gauges come from one read. prom-client collects every metric of a scrape at once,
    // so the two collectors share the read in progress.
    let outboxRead: Promise<OutboxState> | undefined;
    const readOutbox = () => {
      outboxRead ??= readOutboxState(db).finally(() => {
        outboxRead = undefined;
      });
      return outboxRead;
    };
    const backlog = new Gauge({
      name: 'comms_outbox_backlog',
      help: 'Undelivered webhook work: deliveries pending (incl. retries) and events not yet fanned out to endpoints.',
      labelNames: ['kind'],
      registers,
      collect: fromDatabase('comms_outbox_backlog', readOutbox, (o) => {
        backlog.set({ kind: 'pending_deliveries' }, o.pendingDeliveries);
        backlog.set({ kind: 'unfanned_events' }, o.unfannedEvents);
      }),
    });
    const oldest = new Gauge({
      name: 'comms_outbox_oldest_undelivered_seconds',
      help: 'Age of the oldest event with a delivery still pending or not yet fanned out (0 when none).',
      registers,
      collect: fromDatabase('comms_outbox_oldest_undelivered_seconds', readOutbox, (o) => {
        oldest.set(o.oldestMs === null ? 0 : Math.max(0, (Date.now() - o.oldestMs) / 1000));
      }),
    });
    const disabled = new Gauge({
      name: 'comms_webhook_endpoints_disabled',
      help: 'Webhook endpoints disabled (410 Gone or failing past WEBHOOK_DISABLE_AFTER_SECONDS).',
      registers,
      collect: fromDatabase(
        'comms_webhook_endpoints_disabled',
        () => db.query<{ n: number | string }>('select count(*) as n from webhook_endpoint where enabled = $1', [false]),
        ([r]) => disabled.set(Number(r?.n ?? 0)),
      ),
    });
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

interface OutboxState {
  pendingDeliveries: number;
  unfannedEvents: number;
  /** When the oldest of those was recorded (epoch ms), null when there is none. */
  oldestMs: number | null;
}

/**
 * The webhook outbox's backlog: pending deliveries (a partial index, webhook_delivery_due_idx,
 * holds only them) and events past the fan-out cursor (a range of the primary key) of platforms
 * with an enabled endpoint.
 */
async function readOutboxState(db: SqlDatabase): Promise<OutboxState> {
  const [pending] = await db.query<{ n: number | string; oldest: unknown }>(
    `select count(*) as n, min(created_at) as oldest from webhook_delivery where status = 'pending'`,
  );
  const [unfanned] = await db.query<{ n: number | string; oldest: unknown }>(
    `select count(*) as n, min(e.created_at) as oldest
       from event e, webhook_fanout f
      where f.id = 1 and e.seq > f.last_seq
        and exists (select 1 from webhook_endpoint w where w.platform_id = e.platform_id and w.enabled = $1)`,
    [true],
  );
  const times = [pending?.oldest, unfanned?.oldest].map((v) => toDate(v)?.getTime() ?? null).filter((t): t is number => t !== null);
  return {
    pendingDeliveries: Number(pending?.n ?? 0),
    unfannedEvents: Number(unfanned?.n ?? 0),
    oldestMs: times.length > 0 ? Math.min(...times) : null,
  };
}
