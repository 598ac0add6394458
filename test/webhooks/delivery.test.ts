import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from '../../server/src/modules/webhooks/signing.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { HEADER, uploadAndValidate, waitForStatus } from '../support/flow.js';
import { gqlData } from '../support/graphql.js';
import { createEndpoint, type Delivery, deliveries, eligibleAccounts, emitEvent, getEndpoint } from './helpers.js';
import { Receiver, waitFor } from './receiver.js';

/** Fast settings: retries in tenths of a second, a short timeout, frequent polls. */
const FAST = {
  WEBHOOK_POLL_INTERVAL_MS: '50',
  WEBHOOK_RETRY_SCHEDULE: '0.1,0.2,0.4,0.8,1.6',
  WEBHOOK_TIMEOUT_MS: '500',
  WEBHOOK_CONCURRENCY_PER_ENDPOINT: '4',
};

type Auth = { apiKey: string };

describe('webhook delivery to a real receiver', () => {
  let t: TestApp;
  const receivers: Receiver[] = [];

  /** A fresh platform (so no other test's endpoints see its events) with a receiver and an endpoint. */
  async function setup(accounts = 20) {
    const p = await t.platform(`Hooks ${Math.random().toString(36).slice(2, 8)}`, accounts);
    const auth: Auth = { apiKey: p.apiKey };
    const receiver = await Receiver.start();
    receivers.push(receiver);
    const { endpoint, secret } = await createEndpoint(t.url, auth, { url: receiver.url, description: 'test receiver' });
    const eligible = await eligibleAccounts(t.url, auth, accounts);
    const accountIds = eligible.map((a) => a.id);
    return { p, auth, receiver, endpoint, secret, accountIds, eligible };
  }

  async function deliveryOf(auth: Auth, endpointId: string, eventId: string): Promise<Delivery | undefined> {
    return (await deliveries(t.url, auth, endpointId)).find((d) => d.eventId === eventId);
  }

  beforeAll(async () => {
    t = await startTestApp(FAST);
  });
  afterAll(async () => {
    await t.stop();
    await Promise.all(receivers.map((r) => r.down()));
  });

  it('POSTs the SPEC body, signed per Standard Webhooks, and logs the delivery', async () => {
    const { auth, receiver, endpoint, secret, accountIds, eligible } = await setup();
    const eventId = await emitEvent(t.url, auth, accountIds[0]);
    const [req] = await waitFor(() => receiver.forEvent(eventId).length > 0 && receiver.forEvent(eventId), 10_000, 'the delivery');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['webhook-id']).toBe(eventId);
    expect(Number(req.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -1);
    expect(req.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
    const body = new Webhook(secret).verify(req.body, req.headers) as Record<string, unknown>;
    expect(body).toEqual({
      id: eventId,
      object: 'event',
      type: 'account.updated',
      created: expect.any(Number),
      data: {
        object: expect.objectContaining({ id: accountIds[0], object: 'account', email: expect.stringMatching(/@example\.com$/) }),
        previous_attributes: { email: eligible[0].email },
      },
      upload_batch: null,
    });
    // The body is the stored event, byte for byte.
    const stored = await gqlData<{ event: { payload: string } }>(t.url, auth, 'query($id: ID!) { event(id: $id) { payload } }', { id: eventId });
    expect(req.body).toBe(stored.event.payload);
    // A wrong secret or a touched body does not verify.
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(req.body, req.headers)).toThrow();
    expect(() => new Webhook(secret).verify(req.body.replace('account', 'acc0unt'), req.headers)).toThrow();

    const d = await waitFor(async () => {
      const x = await deliveryOf(auth, endpoint.id, eventId);
      return x?.status === 'DELIVERED' && x;
    });
    expect(d).toMatchObject({ eventType: 'account.updated', attempts: 1, lastStatusCode: 204, lastError: null, nextAttemptAt: null });
    expect(d.lastLatencyMs).toBeGreaterThanOrEqual(0);
    expect(d.deliveredAt).not.toBeNull();
    expect(receiver.forEvent(eventId)).toHaveLength(1);
  });

  it('an applied batch: each applied row is one signed delivery to every enabled endpoint, none elsewhere', async () => {
    const { p, auth, receiver, endpoint, secret } = await setup(80);
    const second = await Receiver.start();
    const off = await Receiver.start();
    receivers.push(second, off);
    const e2 = await createEndpoint(t.url, auth, { url: second.url });
    const e3 = await createEndpoint(t.url, auth, { url: off.url });
    await gqlData(t.url, auth, 'mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: { enabled: false }) { id } }', { id: e3.endpoint.id });
    // Another platform's endpoint must see none of these events.
    const other = await setup(5);

    const accounts = await eligibleAccounts(t.url, auth, 80);
    const rows = accounts.slice(0, 50).map((a, i) => `${a.id},,,,batch.${i}@example.com,`);
    const batch = await uploadAndValidate(t.url, auth, `${HEADER}\n${rows.join('\n')}\n`);
    expect(batch.status).toBe('VALIDATED');
    await gqlData(t.url, auth, 'mutation($id: ID!) { confirmUploadBatch(id: $id) { status } }', { id: batch.id });
    const done = await waitForStatus(t.url, auth, batch.id, ['COMPLETED']);
    expect(done.summary.applied).toBe(50);

    const events = await gqlData<{ events: { totalCount: number; edges: Array<{ node: { id: string; uploadBatchId: string } }> } }>(
      t.url,
      auth,
      '{ events(first: 500, type: "account.updated") { totalCount edges { node { id uploadBatchId } } } }',
    );
    const ids = events.events.edges.filter((e) => e.node.uploadBatchId === batch.id).map((e) => e.node.id);
    expect(ids).toHaveLength(50);

    for (const [r, s] of [
      [receiver, secret],
      [second, e2.secret],
    ] as const) {
      await waitFor(() => new Set(r.requests.map((q) => q.headers['webhook-id'])).size >= 50, 20_000, '50 deliveries');
      const got = r.requests.map((q) => q.headers['webhook-id']);
      expect(new Set(got)).toEqual(new Set(ids));
      for (const q of r.requests) {
        const body = new Webhook(s).verify(q.body, q.headers) as { upload_batch: string };
        expect(body.upload_batch).toBe(batch.id);
      }
    }
    for (const id of [endpoint.id, e2.endpoint.id]) {
      const log = await waitFor(async () => {
        const all = await deliveries(t.url, auth, id);
        return all.every((d) => d.status === 'DELIVERED') && all.length === 50 && all;
      });
      expect(new Set(log.map((d) => d.eventId))).toEqual(new Set(ids));
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(off.requests).toHaveLength(0);
    expect(await deliveries(t.url, auth, e3.endpoint.id)).toHaveLength(0);
    expect(other.receiver.requests).toHaveLength(0);
    expect(p.platformId).not.toBe(other.p.platformId);
  });

  it('keeps requests in flight per endpoint within the concurrency setting', async () => {
    const { auth, receiver, accountIds } = await setup(20);
    receiver.reply = () => ({ status: 200, delayMs: 80 });
    const ids: string[] = [];
    for (const id of accountIds.slice(0, 12)) ids.push(await emitEvent(t.url, auth, id));
    await waitFor(() => new Set(receiver.requests.map((q) => q.headers['webhook-id'])).size === 12, 15_000, '12 deliveries');
    expect(receiver.maxOpen).toBeLessThanOrEqual(4);
    expect(receiver.maxOpen).toBeGreaterThan(1);
  });

  it('receiver down, then up: every event arrives, nothing lost', async () => {
    const { auth, receiver, endpoint, secret, accountIds } = await setup();
    await receiver.down();
    const ids: string[] = [];
    for (const id of accountIds.slice(0, 5)) ids.push(await emitEvent(t.url, auth, id));
    // Failed attempts are logged with the connection error and a next retry.
    const failing = await waitFor(async () => {
      const d = await deliveryOf(auth, endpoint.id, ids[0]);
      return d && d.attempts >= 2 && d;
    });
    expect(failing.status).toBe('PENDING');
    expect(failing.lastStatusCode).toBeNull();
    expect(failing.lastError).toMatch(/ECONNREFUSED|refused/i);
    expect((await getEndpoint(t.url, auth, endpoint.id))?.failingSince).not.toBeNull();
    await receiver.up();
    await waitFor(async () => (await deliveries(t.url, auth, endpoint.id)).filter((d) => d.status === 'DELIVERED').length === 5, 15_000);
    expect(new Set(receiver.requests.map((q) => q.headers['webhook-id']))).toEqual(new Set(ids));
    for (const q of receiver.requests) new Webhook(secret).verify(q.body, q.headers);
    expect((await getEndpoint(t.url, auth, endpoint.id))?.failingSince).toBeNull();
  });

  it('500 is retried with backoff until a 2xx', async () => {
    const { auth, receiver, endpoint, accountIds } = await setup();
    receiver.reply = (_req, n) => (n <= 2 ? { status: 500, body: 'boom' } : { status: 200 });
    const eventId = await emitEvent(t.url, auth, accountIds[0]);
    const d = await waitFor(async () => {
      const x = await deliveryOf(auth, endpoint.id, eventId);
      return x?.status === 'DELIVERED' && x;
    });
    expect(d).toMatchObject({ attempts: 3, lastStatusCode: 200, lastError: null });
    const times = receiver.forEvent(eventId).map((q) => q.at);
    expect(times).toHaveLength(3);
    // Backoff grows: ~0.1 s then ~0.2 s (±10% jitter, plus poll slack).
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(85);
    expect(times[2] - times[1]).toBeGreaterThanOrEqual(175);
  });

  it('a non-2xx answer is logged with its status and body', async () => {
    const { auth, receiver, endpoint, accountIds } = await setup();
    receiver.reply = () => ({ status: 302, headers: { location: 'http://127.0.0.1:1/' } });
    const eventId = await emitEvent(t.url, auth, accountIds[0]);
    const d = await waitFor(async () => {
      const x = await deliveryOf(auth, endpoint.id, eventId);
      return x && x.attempts >= 1 && x;
    });
    expect(d).toMatchObject({ status: 'PENDING', lastStatusCode: 302, lastError: 'HTTP 302' });
    expect(new Date(d.nextAttemptAt ?? 0).getTime()).toBeGreaterThan(new Date(d.lastAttemptAt ?? 0).getTime());
    receiver.reply = () => ({ status: 200 });
  });

  it('a timeout is a failed attempt, retried', async () => {
    const { auth, receiver, endpoint, accountIds } = await setup();
    receiver.reply = (_req, n) => (n === 1 ? 'hang' : { status: 202 });
    const eventId = await emitEvent(t.url, auth, accountIds[0]);
    const d = await waitFor(async () => {
      const x = await deliveryOf(auth, endpoint.id, eventId);
      return x?.status === 'DELIVERED' && x;
    });
    expect(d.attempts).toBe(2);
    const [first, second] = receiver.forEvent(eventId);
    expect(second.at - first.at).toBeGreaterThanOrEqual(500);
  });

  it('429 with Retry-After waits as long as the receiver asks', async () => {
    const { auth, receiver, endpoint, accountIds } = await setup();
    receiver.reply = (_req, n) => (n === 1 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 });
    const eventId = await emitEvent(t.url, auth, accountIds[0]);
    const waiting = await waitFor(async () => {
      const x = await deliveryOf(auth, endpoint.id, eventId);
      return x && x.attempts === 1 && x.status === 'PENDING' && x;
    });
    expect(waiting.lastStatusCode).toBe(429);
    const wait = new Date(waiting.nextAttemptAt ?? 0).getTime() - new Date(waiting.lastAttemptAt ?? 0).getTime();
    expect(wait).toBeGreaterThanOrEqual(1_900);
    await waitFor(async () => (await deliveryOf(auth, endpoint.id, eventId))?.status === 'DELIVERED', 10_000);
    const [first, second] = receiver.forEvent(eventId);
    expect(second.at - first.at).toBeGreaterThanOrEqual(1_900);
  });

  it('503 with Retry-After is honoured too', async () => {
    const { auth, receiver, endpoint, accountIds } = await setup();
    receiver.reply = (_req, n) => (n === 1 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 200 });
    const eventId = await emitEvent(t.url, auth, accountIds[0]);
    await waitFor(async () => (await deliveryOf(auth, endpoint.id, eventId))?.status === 'DELIVERED', 10_000);
    const [first, second] = receiver.forEvent(eventId);
    expect(second.at - first.at).toBeGreaterThanOrEqual(950);
  });

  it('410 Gone disables the endpoint; nothing more is sent to it', async () => {
    const { auth, receiver, endpoint, accountIds } = await setup();
    receiver.reply = () => ({ status: 410 });
    const eventId = await emitEvent(t.url, auth, accountIds[0]);
    const disabled = await waitFor(async () => {
      const e = await getEndpoint(t.url, auth, endpoint.id);
      return e && !e.enabled && e;
    });
    expect(disabled.disabledReason).toMatch(/410/);
    const d = await deliveryOf(auth, endpoint.id, eventId);
    expect(d).toMatchObject({ status: 'FAILED', attempts: 1, lastStatusCode: 410, nextAttemptAt: null });
    const later = await emitEvent(t.url, auth, accountIds[1]);
    await new Promise((r) => setTimeout(r, 400));
    expect(receiver.forEvent(later)).toHaveLength(0);
    expect(receiver.requests).toHaveLength(1);
    // Re-enabled, it receives events recorded from then on.
    await gqlData(t.url, auth, 'mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: { enabled: true }) { id } }', { id: endpoint.id });
    receiver.reply = () => ({ status: 200 });
    const after = await emitEvent(t.url, auth, accountIds[2]);
    await waitFor(() => receiver.forEvent(after).length === 1, 10_000);
    expect(receiver.forEvent(later)).toHaveLength(0);
    expect(await getEndpoint(t.url, auth, endpoint.id)).toMatchObject({ enabled: true, disabledReason: null, failingSince: null });
  });

  it('a delivery that keeps failing ends FAILED once the schedule is used up', async () => {
    const { auth, receiver, endpoint, accountIds } = await setup();
    receiver.reply = () => ({ status: 500 });
    const eventId = await emitEvent(t.url, auth, accountIds[0]);
    const d = await waitFor(async () => {
      const x = await deliveryOf(auth, endpoint.id, eventId);
      return x?.status === 'FAILED' && x;
    }, 15_000);
    // One attempt, then one retry per schedule entry.
    expect(d).toMatchObject({ attempts: 6, lastStatusCode: 500, nextAttemptAt: null });
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.forEvent(eventId)).toHaveLength(6);
    // The endpoint itself stays enabled (5 days of failures are far away).
    expect((await getEndpoint(t.url, auth, endpoint.id))?.enabled).toBe(true);
  });

  it('secret rotation: old and new secrets both sign for the overlap, then only the new one', async () => {
    const { auth, receiver, endpoint, secret: oldSecret, accountIds } = await setup();
    const rotated = await gqlData<{ rotateWebhookEndpointSecret: { secret: string; endpoint: { previousSecretExpiresAt: string } } }>(
      t.url,
      auth,
      'mutation($id: ID!) { rotateWebhookEndpointSecret(id: $id) { secret endpoint { previousSecretExpiresAt } } }',
      { id: endpoint.id },
    );
    const newSecret = rotated.rotateWebhookEndpointSecret.secret;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(oldSecret);
    const overlap = new Date(rotated.rotateWebhookEndpointSecret.endpoint.previousSecretExpiresAt).getTime() - Date.now();
    expect(overlap).toBeGreaterThan(23.9 * 3600_000);
    expect(overlap).toBeLessThanOrEqual(24 * 3600_000);

    const during = await emitEvent(t.url, auth, accountIds[0]);
    const [a] = await waitFor(() => receiver.forEvent(during).length > 0 && receiver.forEvent(during));
    expect(a.headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(oldSecret).verify(a.body, a.headers)).toMatchObject({ id: during });
    expect(new Webhook(newSecret).verify(a.body, a.headers)).toMatchObject({ id: during });

    // 24 hours later (moved in the database rather than waited for), the old secret no longer signs.
    await t.app.services.db.execute('update webhook_endpoint set previous_secret_expires_at = $1 where id = $2', [
      new Date(Date.now() - 1000),
      endpoint.id,
    ]);
    const after = await emitEvent(t.url, auth, accountIds[1]);
    const [b] = await waitFor(() => receiver.forEvent(after).length > 0 && receiver.forEvent(after));
    expect(b.headers['webhook-signature'].split(' ')).toHaveLength(1);
    expect(new Webhook(newSecret).verify(b.body, b.headers)).toMatchObject({ id: after });
    expect(() => new Webhook(oldSecret).verify(b.body, b.headers)).toThrow();
    expect((await getEndpoint(t.url, auth, endpoint.id))?.previousSecretExpiresAt).toBeNull();
  });

  it('resendWebhookEvent sends an event again with the same webhook-id', async () => {
    const { auth, receiver, endpoint, accountIds } = await setup();
    const eventId = await emitEvent(t.url, auth, accountIds[0]);
    await waitFor(async () => (await deliveryOf(auth, endpoint.id, eventId))?.status === 'DELIVERED');
    const resent = await gqlData<{ resendWebhookEvent: Delivery }>(
      t.url,
      auth,
      'mutation($e: ID!, $v: ID!) { resendWebhookEvent(endpointId: $e, eventId: $v) { eventId status attempts } }',
      { e: endpoint.id, v: eventId },
    );
    expect(resent.resendWebhookEvent).toMatchObject({ eventId, status: 'PENDING', attempts: 0 });
    await waitFor(() => receiver.forEvent(eventId).length === 2);
    const [first, second] = receiver.forEvent(eventId);
    expect(second.body).toBe(first.body);
    expect(Number(second.headers['webhook-timestamp'])).toBeGreaterThanOrEqual(Number(first.headers['webhook-timestamp']));
    await waitFor(async () => (await deliveryOf(auth, endpoint.id, eventId))?.status === 'DELIVERED');
  });

  it('an endpoint created later receives only events recorded after it', async () => {
    const { auth, receiver, accountIds } = await setup();
    const before = await emitEvent(t.url, auth, accountIds[0]);
    await waitFor(() => receiver.forEvent(before).length === 1);
    const late = await Receiver.start();
    receivers.push(late);
    const { endpoint } = await createEndpoint(t.url, auth, { url: late.url });
    const after = await emitEvent(t.url, auth, accountIds[1]);
    await waitFor(() => late.forEvent(after).length === 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(late.requests.map((q) => q.headers['webhook-id'])).toEqual([after]);
    expect((await deliveries(t.url, auth, endpoint.id)).map((d) => d.eventId)).toEqual([after]);
    // …but an older event can be sent to it on request.
    await gqlData(t.url, auth, 'mutation($e: ID!, $v: ID!) { resendWebhookEvent(endpointId: $e, eventId: $v) { status } }', {
      e: endpoint.id,
      v: before,
    });
    await waitFor(() => late.forEvent(before).length === 1);
  });
});

describe('disabling an endpoint that keeps failing', () => {
  let t: TestApp;
  let receiver: Receiver;
  beforeAll(async () => {
    t = await startTestApp({ ...FAST, WEBHOOK_RETRY_SCHEDULE: '0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2', WEBHOOK_DISABLE_AFTER_SECONDS: '1' });
    receiver = await Receiver.start(() => ({ status: 500 }));
  });
  afterAll(async () => {
    await t.stop();
    await receiver.down();
  });

  it('disables it once its deliveries have failed for the configured time, failing what was pending', async () => {
    const p = await t.platform('Failing Co', 10);
    const auth = { apiKey: p.apiKey };
    const { endpoint } = await createEndpoint(t.url, auth, { url: receiver.url });
    const [a, b] = await eligibleAccounts(t.url, auth, 2);
    const e1 = await emitEvent(t.url, auth, a.id);
    const e2 = await emitEvent(t.url, auth, b.id);
    const off = await waitFor(async () => {
      const e = await getEndpoint(t.url, auth, endpoint.id);
      return e && !e.enabled && e;
    }, 15_000);
    expect(off.disabledReason).toMatch(/failed for 1 seconds/);
    const log = await deliveries(t.url, auth, endpoint.id);
    expect(log.map((d) => d.eventId).sort()).toEqual([e1, e2].sort());
    for (const d of log) {
      expect(d.status).toBe('FAILED');
      expect(d.lastError).toMatch(/HTTP 500|disabled/);
    }
    const count = receiver.requests.length;
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.requests.length).toBe(count);
  });
});

describe('deliveries survive a server restart', () => {
  it('what was pending when the server stopped is delivered by the next one', async () => {
    const first = await startTestApp(FAST);
    const receiver = await Receiver.start();
    let second: TestApp | undefined;
    try {
      const p = await first.platform('Restart Co', 10);
      const auth = { apiKey: p.apiKey };
      const { endpoint, secret } = await createEndpoint(first.url, auth, { url: receiver.url });
      const accounts = await eligibleAccounts(first.url, auth, 3);
      await receiver.down();
      const ids: string[] = [];
      for (const a of accounts) ids.push(await emitEvent(first.url, auth, a.id));
      await waitFor(async () => (await deliveries(first.url, auth, endpoint.id)).length === 3);
      await first.app.close();

      await receiver.up();
      second = await startTestApp({ ...FAST, DATABASE_URL: first.databaseUrl });
      const s = second;
      await waitFor(async () => (await deliveries(s.url, auth, endpoint.id)).every((d) => d.status === 'DELIVERED'), 15_000);
      expect(new Set(receiver.requests.map((q) => q.headers['webhook-id']))).toEqual(new Set(ids));
      for (const q of receiver.requests) new Webhook(secret).verify(q.body, q.headers);
    } finally {
      await second?.stop();
      await first.stop();
      await receiver.down();
    }
  });
});

describe('two servers on one database', () => {
  it('share the deliveries: every event arrives once, none twice', async () => {
    const a = await startTestApp({ ...FAST, WEBHOOK_CONCURRENCY_PER_ENDPOINT: '2' });
    const b = await startTestApp({ ...FAST, WEBHOOK_CONCURRENCY_PER_ENDPOINT: '2', DATABASE_URL: a.databaseUrl });
    const receiver = await Receiver.start(() => ({ status: 200, delayMs: 5 }));
    try {
      const p = await a.platform('Shared Co', 150);
      const auth = { apiKey: p.apiKey };
      const { endpoint, secret } = await createEndpoint(a.url, auth, { url: receiver.url });
      const accounts = await eligibleAccounts(a.url, auth, 150);
      const rows = accounts.slice(0, 120).map((x, i) => `${x.id},,,,shared.${i}@example.com,`);
      const batch = await uploadAndValidate(a.url, auth, `${HEADER}\n${rows.join('\n')}\n`);
      await gqlData(b.url, auth, 'mutation($id: ID!) { confirmUploadBatch(id: $id) { status } }', { id: batch.id });
      await waitForStatus(a.url, auth, batch.id, ['COMPLETED']);
      await waitFor(async () => (await deliveries(b.url, auth, endpoint.id)).filter((d) => d.status === 'DELIVERED').length === 120, 30_000);
      const ids = receiver.requests.map((q) => q.headers['webhook-id']);
      expect(ids).toHaveLength(120);
      expect(new Set(ids).size).toBe(120);
      for (const q of receiver.requests) new Webhook(secret).verify(q.body, q.headers);
      expect((await deliveries(a.url, auth, endpoint.id)).every((d) => d.attempts === 1)).toBe(true);
    } finally {
      await b.stop();
      await a.stop();
      await receiver.down();
    }
  });
});
