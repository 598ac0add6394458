import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { createEndpoint, deliveries, eligibleAccounts, emitEvent } from './helpers.js';
import { Receiver, waitFor } from './receiver.js';

// The sender answers every network and HTTP failure with a result; a rejection can only be a bug
// of ours. This suite makes the next send reject, as such a bug would, to prove the worker's
// rejection path: the slot is freed, the attempt recorded, the delivery retried, nothing lost.
const fault = vi.hoisted(() => ({ rejectNext: false, rejected: 0 }));

vi.mock('../../server/src/modules/webhooks/delivery.sender.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../server/src/modules/webhooks/delivery.sender.js')>();
  return {
    ...real,
    sendWebhook: async (input: Parameters<typeof real.sendWebhook>[0]) => {
      if (fault.rejectNext) {
        fault.rejectNext = false;
        fault.rejected++;
        throw new Error('a bug inside the sender');
      }
      return real.sendWebhook(input);
    },
  };
});

describe('webhook worker: a send that rejects', () => {
  let t: TestApp;
  let receiver: Receiver;

  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_POLL_INTERVAL_MS: '50', WEBHOOK_RETRY_SCHEDULE: '0.1,0.2', WEBHOOK_CONCURRENCY_PER_ENDPOINT: '1' });
    receiver = await Receiver.start();
  });
  afterAll(async () => {
    await t.stop();
    await receiver.down();
  });

  it('frees its slot, records a failed attempt and delivers on the retry; the next events still flow', async () => {
    const p = await t.platform('Rejecting sender', 5);
    const auth = { apiKey: p.apiKey };
    const { endpoint } = await createEndpoint(t.url, auth, { url: receiver.url });
    const [first, second] = (await eligibleAccounts(t.url, auth, 2)).map((a) => a.id);
    fault.rejectNext = true;
    const eventId = await emitEvent(t.url, auth, first);
    const delivered = await waitFor(async () => {
      const d = (await deliveries(t.url, auth, endpoint.id)).find((x) => x.eventId === eventId);
      return d?.status === 'DELIVERED' && d;
    }, 10_000, 'the retried delivery');
    expect(fault.rejected).toBe(1);
    expect(delivered).toMatchObject({ attempts: 2, lastStatusCode: 204, lastError: null });
    expect(receiver.forEvent(eventId)).toHaveLength(1);
    // With one slot per endpoint, a slot leaked by the rejection would stall everything after it.
    const next = await emitEvent(t.url, auth, second);
    await waitFor(() => receiver.forEvent(next).length === 1, 10_000, 'the next event');
  });
});
