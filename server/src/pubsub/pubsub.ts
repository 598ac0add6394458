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

/** Wraps graphql-yoga's pub/sub over any event target (memory by default). */
export function createPubSubBus(eventTarget?: EventTarget, onClose?: () => Promise<void>): PubSubBus {
  const ps = createPubSub(eventTarget ? { eventTarget } : {});
  return {
    publish: (topic, payload) => ps.publish(topic, payload),
    subscribe: (topic) => ps.subscribe(topic) as AsyncIterable<unknown> & AsyncIterator<unknown>,
    close: async () => {
      await onClose?.();
    },
  };
}
