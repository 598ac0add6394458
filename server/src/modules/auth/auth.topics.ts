import { topic } from '../../pubsub/pubsub.js';
import type { Services } from '../../services.js';

/** Pub/sub topic telling every API instance to close the sockets of revoked keys and removed or demoted people. */
export interface ConnectionsRevoked {
  /** API key ids and dashboard user ids whose open connections must end. */
  subjectIds: string[];
}

export const CONNECTIONS_REVOKED_TOPIC = topic<ConnectionsRevoked>('auth:connections-revoked');

/** Call after the transaction that revoked the credentials committed (a socket must not outlive them). */
export function endConnections(services: Pick<Services, 'pubsub'>, subjectIds: string[]): void {
  if (subjectIds.length > 0) services.pubsub.publish(CONNECTIONS_REVOKED_TOPIC, { subjectIds });
}
