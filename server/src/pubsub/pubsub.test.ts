import { describe, expect, it } from 'vitest';
import { createPubSubBus, topic } from './pubsub.js';

describe('in-memory pub/sub', () => {
  it('serves 50 subscribers of one topic without a listener-leak warning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const bus = createPubSubBus();
      const numbers = topic<{ n: number }>('batch:ub_1');
      const subscribers = Array.from({ length: 50 }, () => bus.subscribe(numbers));
      // A subscription listens from its first pull.
      const received = subscribers.map((s) => s.next());
      await new Promise((resolve) => setImmediate(resolve));
      bus.publish(numbers, { n: 1 });
      expect((await Promise.all(received)).map((r) => r.value)).toEqual(Array.from({ length: 50 }, () => ({ n: 1 })));
      await Promise.all(subscribers.map((s) => s.return?.()));
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });
});
