import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldCounts } from '../../server/src/modules/webhooks/counts.store.js';
import { runRetention } from '../../server/src/modules/webhooks/retention.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { HEADER, uploadAndValidate, waitForStatus } from '../support/flow.js';
import { type Auth, gqlData } from '../support/graphql.js';
import { until } from '../support/poll.js';
import { createEndpoint, eligibleAccounts } from './helpers.js';
import { Receiver } from './receiver.js';

const DAY = 86_400_000;
const STATUSES = ['PENDING', 'DELIVERED', 'FAILED'] as const;

interface PageCounts {
  summary: { pending: number; delivered: number; failed: number };
  total: number;
  byStatus: Record<(typeof STATUSES)[number], number>;
}

/**
 * The Webhooks page's numbers come from counters kept by triggers (migration 0015), not from
 * count(*). Every way a delivery or an event is written, changed or removed must keep them equal
 * to what the tables hold.
 */
describe('webhook page counters', () => {
  let t: TestApp;
  let auth: Auth;
  const healthy = Receiver.start(() => ({ status: 204 }));
  const flaky = Receiver.start(() => ({ status: 500 }));
  const gone = Receiver.start(() => ({ status: 410 }));

  beforeAll(async () => {
    // One immediate retry, then failed.
    t = await startTestApp({ WEBHOOK_RETRY_SCHEDULE: '0', WEBHOOK_POLL_INTERVAL_MS: '50', WEBHOOK_RETENTION_BATCH_ROWS: '7' });
    auth = { apiKey: (await t.platform('Counters Ltd', 40)).apiKey };
  });
  afterAll(async () => {
    await t.stop();
    for (const r of [healthy, flaky, gone]) await (await r).down();
  });

  const count = async (sql: string, params: unknown[] = []) => {
    const [r] = await t.app.services.db.query<{ n: number | string }>(sql, params as never);
    return Number(r.n);
  };

  const pageCounts = async (endpointId: string): Promise<PageCounts> => {
    const data = await gqlData<{
      webhookEndpoint: {
        deliverySummary: PageCounts['summary'];
        all: { totalCount: number };
        PENDING: { totalCount: number };
        DELIVERED: { totalCount: number };
        FAILED: { totalCount: number };
      };
    }>(
      t.url,
      auth,
      `query($id: ID!) { webhookEndpoint(id: $id) {
         deliverySummary { pending delivered failed }
         all: deliveries(first: 1) { totalCount }
         PENDING: deliveries(first: 1, status: PENDING) { totalCount }
         DELIVERED: deliveries(first: 1, status: DELIVERED) { totalCount }
         FAILED: deliveries(first: 1, status: FAILED) { totalCount } } }`,
      { id: endpointId },
    );
    const e = data.webhookEndpoint;
    return {
      summary: e.deliverySummary,
      total: e.all.totalCount,
      byStatus: { PENDING: e.PENDING.totalCount, DELIVERED: e.DELIVERED.totalCount, FAILED: e.FAILED.totalCount },
    };
  };

  /** What the tables hold, counted the slow way. */
  const tableCounts = async (endpointId: string): Promise<PageCounts> => {
    const n = (status: string) => count('select count(*) as n from webhook_delivery where endpoint_id = $1 and status = $2', [endpointId, status]);
    const [pending, delivered, failed] = [await n('pending'), await n('delivered'), await n('failed')];
    return {
      summary: { pending, delivered, failed },
      total: pending + delivered + failed,
      byStatus: { PENDING: pending, DELIVERED: delivered, FAILED: failed },
    };
  };

  const expectTrue = async (endpointIds: string[]) => {
    for (const id of endpointIds) expect(await pageCounts(id)).toEqual(await tableCounts(id));
    const events = await gqlData<{ all: { totalCount: number }; updated: { totalCount: number }; other: { totalCount: number } }>(
      t.url,
      auth,
      '{ all: events(first: 1) { totalCount } updated: events(first: 1, type: "account.updated") { totalCount } other: events(first: 1, type: "other.type") { totalCount } }',
    );
    const stored = await count('select count(*) as n from event');
    expect(events).toEqual({ all: { totalCount: stored }, updated: { totalCount: stored }, other: { totalCount: 0 } });
  };

  it('match the tables through fan-out, delivery, retries, disabling, resend, fold, deletion and retention', async () => {
    const good = (await createEndpoint(t.url, auth, { url: (await healthy).url })).endpoint.id;
    const bad = (await createEndpoint(t.url, auth, { url: (await flaky).url })).endpoint.id;
    const dead = (await createEndpoint(t.url, auth, { url: (await gone).url })).endpoint.id;
    const endpoints = [good, bad, dead];
    await expectTrue(endpoints);

    const accounts = await eligibleAccounts(t.url, auth, 12);
    const csv = `${HEADER}\n${accounts.map((a, i) => `${a.id},,,,counted.${i}@counters.example,✗`).join('\n')}\n`;
    const batch = await uploadAndValidate(t.url, auth, csv);
    await gqlData(t.url, auth, 'mutation($id: ID!) { confirmUploadBatch(id: $id) { status } }', { id: batch.id });
    await waitForStatus(t.url, auth, batch.id, ['COMPLETED']);

    // Every delivery settles: delivered (204), failed after its retry (500), failed with its endpoint disabled (410).
    // (Fan-out runs after the batch completes: wait for its 3 × 12 rows, then for none pending.)
    const settled = async () =>
      (await count('select count(*) as n from webhook_delivery')) === 36 &&
      (await count(`select count(*) as n from webhook_delivery where status = 'pending'`)) === 0;
    await until(settled, 20_000, 'deliveries settled', 50);
    expect(await pageCounts(good)).toMatchObject({ summary: { pending: 0, delivered: 12, failed: 0 }, total: 12 });
    expect(await pageCounts(bad)).toMatchObject({ summary: { pending: 0, delivered: 0, failed: 12 }, total: 12 });
    expect((await pageCounts(dead)).summary).toEqual({ pending: 0, delivered: 0, failed: 12 });
    await expectTrue(endpoints);

    // Resend puts a failed delivery back to pending (an upsert): one moves from failed to pending, then fails again.
    const [{ id: eventId }] = await t.app.services.db.query<{ id: string }>('select id from event order by seq limit 1');
    const resent = await gqlData<{ resendWebhookEvent: { status: string } }>(
      t.url,
      auth,
      'mutation($e: ID!, $x: ID!) { resendWebhookEvent(endpointId: $e, eventId: $x) { status } }',
      { e: bad, x: eventId },
    );
    expect(resent.resendWebhookEvent.status).toBe('PENDING');
    await until(async () => (await count(`select count(*) as n from webhook_delivery where status = 'pending'`)) === 0, 20_000, 'resent delivery failed again', 50);
    await expectTrue(endpoints);

    // Folding changes no number; afterwards each key is one row.
    await foldCounts(t.app.services.db);
    await expectTrue(endpoints);
    expect(await count('select count(*) as n from (select endpoint_id, status from webhook_delivery_count group by endpoint_id, status having count(*) > 1) d')).toBe(0);

    // Deleting an endpoint removes its deliveries and their counts.
    await gqlData(t.url, auth, 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', { id: dead });
    await expectTrue([good, bad]);
    await foldCounts(t.app.services.db);
    expect(await count('select count(*) as n from webhook_delivery_count where endpoint_id = $1', [dead])).toBe(0);

    // Retention: delivered deliveries past the retention go, then the events nothing refers to.
    const old = new Date(Date.now() - 40 * DAY);
    await t.app.services.db.execute('update event set created_at = $1', [old]);
    await t.app.services.db.execute(`update webhook_delivery set delivered_at = $1 where status = 'delivered'`, [old]);
    await gqlData(t.url, auth, 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', { id: bad });
    expect(await runRetention(t.app.services)).toEqual({ deliveries: 12, events: 12 });
    await expectTrue([good]);
    expect((await pageCounts(good)).total).toBe(0);
  });
});
