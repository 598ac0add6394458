import type { Agent } from 'undici';
import type { Services } from '../../services.js';
import { createWebhookAgent, type SendResult, sendWebhook } from './delivery.sender.js';
import {
  type AttemptRecord,
  type ClaimedDelivery,
  claimDeliveries,
  type DeliveryPolicy,
  type DueEndpoint,
  dueEndpoints,
  enabledEndpoints,
  recordAttempts,
} from './delivery.store.js';
import { fanOutPending, fanOutStep } from './fan-out.js';
import { Signer } from './signing.js';
import { activeSecrets } from './webhook.mapper.js';
import { WEBHOOK_NUDGE_TOPIC } from './webhook.topics.js';

/** The job that runs one round of the worker: fan out new events, claim due deliveries, send. */
export const WEBHOOK_DELIVER_JOB = 'webhooks.deliver';

/** One round at a time per process (the runner ignores a jobId that is pending or running). */
const ROUND_JOB_ID = 'webhooks:deliver';

/** A claim outlives its expected send time by this much: time to write the result back. */
const LEASE_MARGIN_MS = 60_000;

/**
 * A claim takes up to this many times the endpoint's concurrency, so each
 * committed claim (an fsync on PostgreSQL) feeds several waves of requests.
 */
const CLAIM_WAVES = 10;

/** A lane asks for more while this many waves are still queued, so the next claim lands before it runs dry. */
const REFILL_WAVES = 4;

/** Results are written back in one transaction once this many wait, or after FLUSH_WAIT_MS. */
const FLUSH_BATCH = 100;
const FLUSH_WAIT_MS = 5;

/** Refresh planner statistics after this many fanned-out rows, at most once per interval. */
const ANALYZE_AFTER_ROWS = 10_000;
const ANALYZE_INTERVAL_MS = 60_000;

/** Fan-out steps in one round before claiming, so a 500,000-event batch does not starve retries. */
const FANOUT_STEPS_PER_ROUND = 10;

/** The delivery worker as app.ts sees it. */
export interface WebhookWorker {
  /** Starts polling (and listening for nudges); runs a first round now. */
  start(): void;
  /** Asks for a round soon (new events, a lane running low, a resend). */
  nudge(): void;
  /** Stops claiming, cuts requests in flight and hands every held delivery back. */
  stop(): Promise<void>;
}

/** What this process holds for one endpoint: claimed deliveries waiting for a slot, and requests in flight. */
interface Lane {
  endpoint: DueEndpoint;
  signer: Signer;
  signerKey: string;
  queue: ClaimedDelivery[];
  inFlight: number;
}

/**
 * Sends due deliveries. Memory is bounded per endpoint (at most
 * CLAIM_WAVES × WEBHOOK_CONCURRENCY_PER_ENDPOINT claimed deliveries, of which
 * WEBHOOK_CONCURRENCY_PER_ENDPOINT in flight): everything else (what is due,
 * what failed, when to retry) lives in webhook_delivery, so a restart or a
 * second worker picks up where this one stopped.
 */
class DeliveryWorker implements WebhookWorker {
  private readonly agent: Agent;
  private readonly stopping = new AbortController();
  private readonly policy: DeliveryPolicy;
  private readonly concurrency: number;
  private readonly lanes = new Map<string, Lane>();
  private readonly sends = new Set<Promise<void>>();
  private results: AttemptRecord[] = [];
  private flushing: Promise<void> | null = null;
  private round: Promise<void> | null = null;
  private again = false;
  private insertedSinceAnalyze = 0;
  private analyzedAt = 0;
  /** idle → running (start) → stopping (stop) → stopped; nothing is claimed or sent outside `running`. */
  private state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  private timer: NodeJS.Timeout | undefined;
  private nudges: (AsyncIterable<unknown> & AsyncIterator<unknown>) | undefined;

  constructor(private readonly services: Services) {
    this.agent = createWebhookAgent(services.env.webhookAllowPrivate);
    this.concurrency = services.env.WEBHOOK_CONCURRENCY_PER_ENDPOINT;
    this.policy = {
      scheduleSeconds: services.env.WEBHOOK_RETRY_SCHEDULE,
      disableAfterMs: services.env.WEBHOOK_DISABLE_AFTER_SECONDS * 1000,
    };
  }

  private get stopped(): boolean {
    return this.state === 'stopping' || this.state === 'stopped';
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'running';
    this.timer = setInterval(() => this.nudge(), this.services.env.WEBHOOK_POLL_INTERVAL_MS);
    this.timer.unref();
    const nudges = this.services.pubsub.subscribe(WEBHOOK_NUDGE_TOPIC);
    this.nudges = nudges;
    void (async () => {
      try {
        for await (const _ of nudges) this.nudge();
      } catch (err) {
        this.services.logger.warn({ err }, 'webhook nudge subscription ended');
      }
    })();
    this.nudge();
  }

  nudge(): void {
    if (this.state !== 'running') return;
    // A round in progress loops once more instead of queueing another.
    if (this.round) {
      this.again = true;
      return;
    }
    this.services.jobs.enqueue(WEBHOOK_DELIVER_JOB, {}, { jobId: ROUND_JOB_ID }).catch((err: unknown) => {
      this.services.logger.error({ err }, 'could not enqueue a webhook round');
    });
  }

  /** The job handler: rounds until nothing asks for another. */
  async runRounds(): Promise<void> {
    if (this.stopped || this.round) return;
    this.round = (async () => {
      try {
        do {
          this.again = false;
          await this.roundOnce();
        } while (this.again && !this.stopped);
      } catch (err) {
        // The next poll tries again; the database holds every delivery's state.
        this.services.logger.error({ err }, 'webhook round failed');
      }
    })();
    try {
      await this.round;
    } finally {
      this.round = null;
    }
    // A nudge between the last loop check and here would otherwise wait for the
    // poll; deferred, because the runner ignores this job id until we return.
    if (this.again) setImmediate(() => this.nudge());
  }

  /** One round: the three small loops, in order. */
  private async roundOnce(): Promise<void> {
    await this.fanOut();
    await this.refreshLanes();
    await this.claim();
  }

  /** Fans new events out into deliveries, a bounded number of steps per round (the rest next round). */
  private async fanOut(): Promise<void> {
    const { db, logger } = this.services;
    // The unlocked check first: the locked step commits a row lock, which costs
    // a disk flush on PostgreSQL even when there is nothing to fan out.
    if (!(await fanOutPending(db))) return;
    for (let step = 0; ; step++) {
      const { more, inserted } = await fanOutStep(db, logger);
      await this.keepStatisticsFresh(inserted);
      if (!more) return;
      if (step + 1 >= FANOUT_STEPS_PER_ROUND) {
        this.again = true;
        return;
      }
    }
  }

  /** Claims due deliveries for each endpoint whose lane runs low, and starts sending them. */
  private async claim(): Promise<void> {
    const { db } = this.services;
    const now = new Date();
    const batch = this.concurrency * CLAIM_WAVES;
    for (const endpoint of await dueEndpoints(db, now)) {
      if (this.stopped) return;
      const lane = this.lane(endpoint);
      // Refill only a lane running low, so a claim is always a big one.
      const held = lane.queue.length + lane.inFlight;
      if (lane.queue.length >= this.concurrency * REFILL_WAVES || held >= batch) continue;
      const take = batch - held;
      // The lease covers the waves this claim needs at worst (every request timing out).
      const waves = Math.ceil((held + take) / this.concurrency);
      const lease = new Date(Date.now() + waves * this.services.env.WEBHOOK_TIMEOUT_MS + LEASE_MARGIN_MS);
      const claimed = await claimDeliveries(db, endpoint.id, take, now, lease);
      // Nothing claimed (another worker was faster): no pump, whose nudge would spin.
      if (claimed.length === 0) continue;
      lane.queue.push(...claimed);
      this.pump(lane);
    }
  }

  /**
   * After a bulk fan-out the planner must know the table grew: with the
   * statistics of an empty table PostgreSQL scans a whole endpoint's rows for
   * each claim. ANALYZE samples, so it stays cheap; at most once per interval.
   */
  private async keepStatisticsFresh(inserted: number): Promise<void> {
    this.insertedSinceAnalyze += inserted;
    if (this.insertedSinceAnalyze < ANALYZE_AFTER_ROWS || Date.now() - this.analyzedAt < ANALYZE_INTERVAL_MS) return;
    this.insertedSinceAnalyze = 0;
    this.analyzedAt = Date.now();
    await this.services.db.analyze('webhook_delivery');
  }

  /** The lane of an endpoint, with its signing keys and URL brought up to date. */
  private lane(endpoint: DueEndpoint): Lane {
    const secrets = activeSecrets(endpoint, new Date());
    const key = secrets.join(' ');
    let lane = this.lanes.get(endpoint.id);
    if (!lane) {
      lane = { endpoint, signer: new Signer(secrets), signerKey: key, queue: [], inFlight: 0 };
      this.lanes.set(endpoint.id, lane);
    }
    lane.endpoint = endpoint;
    if (lane.signerKey !== key) {
      lane.signer = new Signer(secrets);
      lane.signerKey = key;
    }
    return lane;
  }

  /**
   * Lanes still holding deliveries: picks up URL and secret changes, and drops
   * what is queued for an endpoint that was disabled or deleted meanwhile
   * (disabling already marked those rows failed; deleting removed them).
   */
  private async refreshLanes(): Promise<void> {
    const busy = [...this.lanes.values()].filter((l) => l.queue.length > 0 || l.inFlight > 0);
    for (const [id, lane] of this.lanes) if (lane.queue.length === 0 && lane.inFlight === 0) this.lanes.delete(id);
    if (busy.length === 0) return;
    const current = new Map((await enabledEndpoints(this.services.db, busy.map((l) => l.endpoint.id))).map((e) => [e.id, e]));
    for (const lane of busy) {
      const endpoint = current.get(lane.endpoint.id);
      if (endpoint) this.lane(endpoint);
      else lane.queue.length = 0;
    }
  }

  /** Starts queued deliveries while the lane has free slots. */
  private pump(lane: Lane): void {
    while (lane.inFlight < this.concurrency && lane.queue.length > 0 && !this.stopped) {
      const delivery = lane.queue.shift() as ClaimedDelivery;
      this.dispatch(lane, delivery);
    }
    // Running low: ask for a refill before the lane idles.
    if (lane.queue.length < this.concurrency * REFILL_WAVES) this.nudge();
  }

  private dispatch(lane: Lane, delivery: ClaimedDelivery): void {
    lane.inFlight++;
    const { env, logger } = this.services;
    const send = sendWebhook({
      url: lane.endpoint.url,
      messageId: delivery.eventId,
      body: delivery.payload,
      signer: lane.signer,
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      allowPrivate: env.webhookAllowPrivate,
      dispatcher: this.agent,
      stop: this.stopping.signal,
    })
      // The sender answers every network and HTTP failure with a result; a rejection is a bug
      // of ours (signing, a malformed row). It still frees the slot and is recorded as a failed
      // attempt, so the delivery retries on its schedule instead of waiting out its lease.
      .catch((err: unknown): SendResult => {
        logger.error({ err, endpointId: delivery.endpointId, eventId: delivery.eventId }, 'webhook send failed unexpectedly');
        return { statusCode: null, error: 'Internal error while sending; it will be retried.', latencyMs: 0, retryAfterMs: null, aborted: false, at: new Date() };
      })
      .then((result) => {
        lane.inFlight--;
        if (!result.aborted) {
          const outcome = result.statusCode === null ? 'network_error' : result.error === null ? 'delivered' : 'http_error';
          this.services.metrics.webhookAttempts.inc({ outcome });
        }
        this.results.push({ endpointId: delivery.endpointId, seq: delivery.seq, attempts: delivery.attempts, send: result });
        this.flushSoon();
        this.pump(lane);
      });
    const tracked = send.finally(() => this.sends.delete(tracked));
    this.sends.add(tracked);
  }

  /** Writes results back in batches: whatever finished while the previous write ran goes in the next. */
  private flushSoon(): void {
    if (this.flushing) return;
    this.flushing = (async () => {
      const { db, logger } = this.services;
      while (this.results.length > 0) {
        // Let more responses join the batch: one transaction (one fsync on
        // PostgreSQL) for many results. A few ms of delay cost nothing here.
        if (this.results.length < FLUSH_BATCH && !this.stopped) await new Promise((resolve) => setTimeout(resolve, FLUSH_WAIT_MS));
        const batch = this.results;
        this.results = [];
        try {
          const disabled = await recordAttempts(db, batch, this.policy);
          for (const d of disabled) {
            logger.warn(d, 'webhook endpoint disabled');
            const lane = this.lanes.get(d.endpointId);
            if (lane) lane.queue.length = 0;
          }
        } catch (err) {
          // The rows keep their lease and fall due again when it ends: at least once.
          logger.error({ err, count: batch.length }, 'could not record webhook attempts');
        }
      }
    })().finally(() => {
      this.flushing = null;
      if (this.results.length > 0) this.flushSoon();
    });
  }

  async stop(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'stopping';
    clearInterval(this.timer);
    await this.nudges?.return?.();
    await this.round;
    this.stopping.abort();
    await Promise.allSettled([...this.sends]);
    // Claimed but never sent: back to the queue for the next worker or start.
    const at = new Date();
    for (const lane of this.lanes.values()) {
      for (const d of lane.queue.splice(0)) {
        this.results.push({
          endpointId: d.endpointId,
          seq: d.seq,
          attempts: d.attempts,
          send: { statusCode: null, error: null, latencyMs: 0, retryAfterMs: null, aborted: true, at },
        });
      }
    }
    this.flushSoon();
    while (this.flushing) await this.flushing;
    await this.agent.close();
    this.state = 'stopped';
  }
}

/**
 * Registers the delivery job and returns the worker; the caller starts it
 * once the app is listening and stops it before closing the database.
 */
export function registerWebhookJobs(services: Services): WebhookWorker {
  const worker = new DeliveryWorker(services);
  services.jobs.register(WEBHOOK_DELIVER_JOB, () => worker.runRounds());
  return worker;
}
