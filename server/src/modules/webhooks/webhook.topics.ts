import { topic } from '../../pubsub/pubsub.js';
import type { Services } from '../../services.js';

/** Pub/sub topic that wakes the delivery worker (every instance, through the PubSubBus seam). */
export const WEBHOOK_NUDGE_TOPIC = topic<Record<string, never>>('webhooks:nudge');

/**
 * Wakes the delivery worker now instead of at its next poll. Call it after a
 * transaction that recorded events has committed; it is only a hint (the poll
 * finds the events anyway), so losing one costs at most a poll interval.
 */
export function nudgeWebhooks(services: Pick<Services, 'pubsub'>): void {
  services.pubsub.publish(WEBHOOK_NUDGE_TOPIC, {});
}
