import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { HEADER, uploadAndValidate, waitForStatus } from '../support/flow.js';
import { gqlData } from '../support/graphql.js';
import { createEndpoint, eligibleAccounts } from '../webhooks/helpers.js';
import { Receiver, waitFor } from '../webhooks/receiver.js';

const TOKEN = 'metrics-token-0123456789';

/** One sample's value from the exposition text (`name{labels} value`); labels in any order. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[4]);
  }
  return undefined;
}

describe('/metrics (Prometheus text, prom-client)', () => {
  let t: TestApp;
  let apiKey: string;
  const ok = Receiver.start(() => ({ status: 204 }));
  const failing = Receiver.start(() => ({ status: 500 }));
  const gone = Receiver.start(() => ({ status: 410 }));

  beforeAll(async () => {
    t = await startTestApp({ METRICS_TOKEN: TOKEN, WEBHOOK_RETRY_SCHEDULE: '3600', WEBHOOK_POLL_INTERVAL_MS: '50' });
    apiKey = (await t.platform('Metrics Ltd', 40)).apiKey;
  });
  afterAll(async () => {
    await t.stop();
    for (const r of [ok, failing, gone]) await (await r).down();
  });

  const scrape = (headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) => fetch(`${t.url}/metrics`, { headers });

  it('refuses a scrape without the bearer token', async () => {
    const none = await scrape({});
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect((await scrape({ authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
  });

  it('reports requests, operations, jobs, throughput, batches, outbox and webhook outcomes after a real upload', async () => {
    const auth = { apiKey };
    for (const r of [ok, failing, gone]) await createEndpoint(t.url, auth, { url: (await r).url });
    const accounts = await eligibleAccounts(t.url, auth, 10);
    const csv = `${HEADER}\n${accounts.map((a, i) => `${a.id},,,,metric.${i}@apply.example,✗`).join('\n')}\n`;
    const batch = await uploadAndValidate(t.url, auth, csv);
    await gqlData(t.url, auth, 'mutation($id: ID!) { confirmUploadBatch(id: $id) { status } }', { id: batch.id });
    await waitForStatus(t.url, auth, batch.id, ['COMPLETED']);
    // Deliveries settle: every event delivered to the healthy endpoint, waiting for its retry (an hour
    // away) at the failing one, failed at the 410 one, which is disabled.
    const text = await waitFor(
      async () => {
        const res = await scrape();
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toContain('text/plain');
        const body = await res.text();
        const settled =
          sample(body, 'comms_outbox_backlog', { kind: 'pending_deliveries' }) === accounts.length &&
          sample(body, 'comms_webhook_endpoints_disabled') === 1 &&
          (sample(body, 'comms_webhook_attempts_total', { outcome: 'delivered' }) ?? 0) >= accounts.length;
        return settled && body;
      },
      15_000,
      'deliveries settled',
    );

    expect(sample(text, 'comms_batches', { status: 'COMPLETED' })).toBe(1);
    expect(sample(text, 'comms_graphql_operations_total', { type: 'mutation', operation: 'confirmUploadBatch', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'comms_graphql_operation_duration_seconds_count', { type: 'query', operation: 'uploadBatch' })).toBeGreaterThan(0);
    expect(sample(text, 'comms_http_requests_total', { method: 'POST', route: '/graphql', status: '200' })).toBeGreaterThan(3);
    expect(sample(text, 'comms_http_requests_total', { method: 'PUT', route: '/files/uploads/:id', status: '202' })).toBe(1);
    expect(sample(text, 'comms_job_duration_seconds_count', { job: 'batch.validate', outcome: 'done' })).toBe(1);
    expect(sample(text, 'comms_job_duration_seconds_count', { job: 'batch.apply', outcome: 'done' })).toBe(1);
    expect(sample(text, 'comms_batch_rows_per_second_count', { phase: 'validation' })).toBe(1);
    expect(sample(text, 'comms_batch_rows_per_second_count', { phase: 'apply' })).toBe(1);
    expect(sample(text, 'comms_rows_in_flight', { phase: 'applying' })).toBe(0);
    expect(sample(text, 'comms_webhook_attempts_total', { outcome: 'delivered' })).toBeGreaterThanOrEqual(accounts.length);
    expect(sample(text, 'comms_webhook_attempts_total', { outcome: 'http_error' })).toBeGreaterThanOrEqual(accounts.length);
    expect(sample(text, 'comms_outbox_backlog', { kind: 'unfanned_events' })).toBe(0);
    expect(sample(text, 'comms_outbox_oldest_undelivered_seconds')).toBeGreaterThan(0);
    expect(sample(text, 'comms_webhook_endpoints_disabled')).toBe(1);
    // Runtime health: event-loop lag and memory (prom-client's default metrics).
    expect(sample(text, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(10_000_000);
  });
});

describe('/metrics on an internal port (METRICS_PORT)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ METRICS_PORT: '0' });
  });
  afterAll(() => t.stop());

  it('serves metrics only on the internal port when no token is set', async () => {
    const pub = await fetch(`${t.url}/metrics`);
    expect(pub.status).toBe(404);
    expect(await pub.text()).toContain('METRICS_TOKEN');
    const internal = await fetch(`http://127.0.0.1:${t.app.metricsPort}/metrics`);
    expect(internal.status).toBe(200);
    expect(await internal.text()).toContain('comms_batches');
    expect((await fetch(`http://127.0.0.1:${t.app.metricsPort}/graphql`)).status).toBe(404);
  });
});
