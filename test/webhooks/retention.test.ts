import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRetention } from '../../server/src/modules/webhooks/retention.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { HEADER, uploadAndValidate, waitForStatus } from '../support/flow.js';
import { gqlData } from '../support/graphql.js';
import { createEndpoint, eligibleAccounts, emitEvent } from './helpers.js';
import { Receiver, waitFor } from './receiver.js';

const DAY = 86_400_000;

describe('webhook retention (WEBHOOK_RETENTION_DAYS)', () => {
  let t: TestApp;
  let apiKey: string;
  const healthy = Receiver.start(() => ({ status: 204 }));
  const failing = Receiver.start(() => ({ status: 500 }));

  beforeAll(async () => {
    // Batches of 7 rows: 20 deliveries take three transactions.
    t = await startTestApp({ WEBHOOK_RETENTION_BATCH_ROWS: '7', WEBHOOK_RETRY_SCHEDULE: '3600', WEBHOOK_POLL_INTERVAL_MS: '50' });
    apiKey = (await t.platform('Retention Ltd', 40)).apiKey;
  });
  afterAll(async () => {
    await t.stop();
    for (const r of [healthy, failing]) await (await r).down();
  });

  const count = async (sql: string, params: unknown[] = []) => {
    const [r] = await t.app.services.db.query<{ n: number | string }>(sql, params as never);
    return Number(r.n);
  };

  it('purges delivered deliveries past the retention, then the events nothing refers to; keeps the rest', async () => {
    const auth = { apiKey };
    const good = await createEndpoint(t.url, auth, { url: (await healthy).url });
    const bad = await createEndpoint(t.url, auth, { url: (await failing).url });
    const accounts = await eligibleAccounts(t.url, auth, 21);
    const csv = `${HEADER}\n${accounts
      .slice(0, 20)
      .map((a, i) => `${a.id},,,,kept.${i}@retention.example,✗`)
      .join('\n')}\n`;
    const batch = await uploadAndValidate(t.url, auth, csv);
    await gqlData(t.url, auth, 'mutation($id: ID!) { confirmUploadBatch(id: $id) { status } }', { id: batch.id });
    await waitForStatus(t.url, auth, batch.id, ['COMPLETED']);
    await waitFor(async () => (await count(`select count(*) as n from webhook_delivery where status = 'delivered'`)) === 20, 15_000, 'delivered');
    await waitFor(async () => (await count('select count(*) as n from webhook_delivery where attempts > 0 and status = $1', ['pending'])) === 20);

    // Everything so far is 40 days old.
    const old = new Date(Date.now() - 40 * DAY);
    await t.app.services.db.execute('update event set created_at = $1', [old]);
    await t.app.services.db.execute('update webhook_delivery set created_at = $1', [old]);
    await t.app.services.db.execute(`update webhook_delivery set delivered_at = $1 where status = 'delivered'`, [old]);
    // One recent event, delivered today: inside the retention.
    await emitEvent(t.url, auth, accounts[20].id);
    await waitFor(async () => (await count(`select count(*) as n from webhook_delivery where status = 'delivered'`)) === 21, 15_000, 'recent delivered');

    const first = await runRetention(t.app.services);
    expect(first).toEqual({ deliveries: 20, events: 0 });
    // Kept: the recent delivered one, and the failing endpoint's deliveries (still work), whose events stay too.
    expect(await count(`select count(*) as n from webhook_delivery where status = 'delivered'`)).toBe(1);
    expect(await count('select count(*) as n from webhook_delivery where endpoint_id = $1', [bad.endpoint.id])).toBe(21);
    expect(await count('select count(*) as n from event')).toBe(21);

    // Without the failing endpoint, the 20 old events have nothing left to deliver.
    await gqlData(t.url, auth, 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', { id: bad.endpoint.id });
    const second = await runRetention(t.app.services);
    expect(second).toEqual({ deliveries: 0, events: 20 });
    expect(await count('select count(*) as n from event')).toBe(1);
    expect(await count('select count(*) as n from webhook_delivery where endpoint_id = $1', [good.endpoint.id])).toBe(1);

    // Nothing left to purge: a no-op.
    expect(await runRetention(t.app.services)).toEqual({ deliveries: 0, events: 0 });
    // The Webhooks page still lists what is kept.
    const events = await gqlData<{ events: { totalCount: number } }>(t.url, auth, '{ events(first: 5) { totalCount } }');
    expect(events.events.totalCount).toBe(1);
  });
});
