import { setMaxListeners } from 'node:events';
import { createPubSub } from '@graphql-yoga/subscription';

type EventTarget = NonNullable<NonNullable<Parameters<typeof createPubSub>[0]>['eventTarget']>;

/**
 * The pub/sub seam: subscription events between whoever does the work and
 * whoever holds the client's socket. Embedded: an in-memory event target.
 * Scale-out: a Redis event target, so a worker's progress reaches every API
 * instance. Feature code only sees this interface.
 */
export interface PubSubBus {
  publish(topic: string, payload: unknown): void;
  subscribe(topic: string): AsyncIterable<unknown> & AsyncIterator<unknown>;
  close(): Promise<void>;
}

/**
 * The in-memory event target. Each subscriber is one listener on its topic, so
 * a batch watched by 50 clients has 50 listeners on one event type: Node's
 * leak warning (at 10) would fire for an ordinary number of viewers, and the
 * subscriptions already end with their socket, so the limit is lifted.
 */
function memoryEventTarget(): EventTarget {
  const target = new globalThis.EventTarget();
  setMaxListeners(0, target);
  return target as unknown as EventTarget;
}

/** Wraps graphql-yoga's pub/sub over any event target (memory by default). */
export function createPubSubBus(eventTarget?: EventTarget, onClose?: () => Promise<void>): PubSubBus {
  const ps = createPubSub({ eventTarget: eventTarget ?? memoryEventTarget() });
  return {
    publish: (topic, payload) => ps.publish(topic, payload),
    subscribe: (topic) => ps.subscribe(topic) as AsyncIterable<unknown> & AsyncIterator<unknown>,
    close: async () => {
      await onClose?.();
    },
  };
}
