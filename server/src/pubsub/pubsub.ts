import { setMaxListeners } from 'node:events';
import { createPubSub } from '@graphql-yoga/subscription';

type EventTarget = NonNullable<NonNullable<Parameters<typeof createPubSub>[0]>['eventTarget']>;

/**
 * A topic and the payload it carries, so publishers and subscribers agree at
 * compile time (type-graphql's simple-subscriptions example types its topics
 * the same way). Payloads must be plain JSON (dates allowed): the scale-out
 * bus sends them through Redis with a serializer that revives dates.
 */
export interface Topic<T> {
  readonly name: string;
  /** Never set: carries the payload type. */
  readonly payload?: T;
}

export function topic<T>(name: string): Topic<T> {
  return { name };
}

/**
 * The pub/sub seam: subscription events between whoever does the work and
 * whoever holds the client's socket. Embedded: an in-memory event target.
 * Scale-out: a Redis event target, so a worker's progress reaches every API
 * instance. Feature code only sees this interface.
 */
export interface PubSubBus {
  publish<T>(topic: Topic<T>, payload: T): void;
  subscribe<T>(topic: Topic<T>): AsyncIterable<T> & AsyncIterator<T>;
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
    publish: (t, payload) => ps.publish(t.name, payload),
    // biome-ignore lint/suspicious/noExplicitAny: graphql-yoga's pub/sub is keyed by a string map we do not declare; Topic<T> carries the type
    subscribe: <T>(t: Topic<T>) => ps.subscribe(t.name as any) as AsyncIterable<T> & AsyncIterator<T>,
    close: async () => {
      await onClose?.();
    },
  };
}
