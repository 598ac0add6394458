import type { PubSubBus } from '../pubsub/pubsub.js';
import { CONNECTIONS_REVOKED_TOPIC, type ConnectionsRevoked } from '../modules/auth/auth.topics.js';
import type { Logger } from '../logger.js';

/** What the registry needs of a socket (the `ws` WebSocket). */
interface ClosableSocket {
  close(code: number, reason: string): void;
  once(event: 'close', listener: () => void): unknown;
}

/** graphql-ws's "Forbidden" close code, the one API.md names for bad credentials. */
export const FORBIDDEN_CLOSE_CODE = 4403;

/**
 * The open graphql-ws sockets of this process by the credential behind them (API key id or
 * dashboard user id), so revoking a key or removing a person closes their sockets at once. Every
 * instance listens on the PubSubBus, so a revocation made on one closes sockets held by another.
 */
export class SocketRegistry {
  private readonly sockets = new Map<string, Set<ClosableSocket>>();
  private readonly subscription: AsyncIterable<ConnectionsRevoked> & AsyncIterator<ConnectionsRevoked>;

  constructor(pubsub: PubSubBus, logger: Logger) {
    const subscription = pubsub.subscribe(CONNECTIONS_REVOKED_TOPIC);
    this.subscription = subscription;
    void (async () => {
      try {
        for await (const message of subscription) this.closeAll(message.subjectIds);
      } catch (err) {
        logger.warn({ err }, 'connection revocation subscription ended');
      }
    })();
  }

  add(subjectId: string, socket: ClosableSocket): void {
    let set = this.sockets.get(subjectId);
    if (!set) {
      set = new Set();
      this.sockets.set(subjectId, set);
    }
    set.add(socket);
    socket.once('close', () => {
      set.delete(socket);
      if (set.size === 0 && this.sockets.get(subjectId) === set) this.sockets.delete(subjectId);
    });
  }

  closeAll(subjectIds: string[]): void {
    for (const id of subjectIds) {
      for (const socket of this.sockets.get(id) ?? []) socket.close(FORBIDDEN_CLOSE_CODE, 'Forbidden');
    }
  }

  async close(): Promise<void> {
    await this.subscription.return?.();
  }
}
