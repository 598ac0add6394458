import type { Env } from '../config/env.js';
import type { Logger } from '../logger.js';
import { createPubSubBus, type PubSubBus, type Topic, topic } from './pubsub.js';

const DATE_TAG = '$date';

/**
 * JSON that keeps Date objects: payloads (batch snapshots) carry dates, and a
 * subscriber on another process must see what an in-memory subscriber sees.
 */
const dateSerializer = {
  stringify(message: unknown): string {
    return JSON.stringify(message, function (this: Record<string, unknown>, key: string, value: unknown) {
      // The replacer sees toJSON's output; the holder still has the original Date.
      const original = this[key];
      return original instanceof Date ? { [DATE_TAG]: original.toISOString() } : value;
    });
  },
  parse(message: string): unknown {
    return JSON.parse(message, (_key, value: unknown) => {
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        const tagged = value as Record<string, unknown>;
        const keys = Object.keys(tagged);
        if (keys.length === 1 && keys[0] === DATE_TAG && typeof tagged[DATE_TAG] === 'string') return new Date(tagged[DATE_TAG]);
      }
      return value;
    });
  },
};

/**
 * The one place that picks the pub/sub transport: Redis channels (prefixed by
 * REDIS_PREFIX) when REDIS_URL is set, so a worker's progress reaches clients
 * on every API instance; in memory otherwise.
 */
export async function createBus(env: Env, logger: Logger): Promise<PubSubBus> {
  if (!env.REDIS_URL) return createPubSubBus();
  // Loaded only here: the embedded server does not carry a Redis client.
  const [{ createRedisEventTarget }, { Redis }] = await Promise.all([import('@graphql-yoga/redis-event-target'), import('ioredis')]);
  // A subscribed ioredis connection can only subscribe, hence two clients.
  const publishClient = new Redis(env.REDIS_URL);
  const subscribeClient = new Redis(env.REDIS_URL);
  for (const client of [publishClient, subscribeClient]) {
    client.on('error', (err) => logger.warn({ err }, 'redis (pub/sub) connection error'));
  }
  const eventTarget = createRedisEventTarget({ publishClient, subscribeClient, serializer: dateSerializer });
  const bus = createPubSubBus(eventTarget, async () => {
    await Promise.all([publishClient, subscribeClient].map((c) => c.quit().catch(() => c.disconnect())));
  });
  const channel = <T>(t: Topic<T>): Topic<T> => topic(`${env.REDIS_PREFIX}:${t.name}`);
  return {
    publish: (t, payload) => bus.publish(channel(t), payload),
    subscribe: (t) => bus.subscribe(channel(t)),
    close: () => bus.close(),
  };
}
