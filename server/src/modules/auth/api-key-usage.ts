import type { SqlDatabase } from '../../db/sql.js';
import type { Logger } from '../../logger.js';

/** A key's last-used time is written at most this often. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Remembers that keys were used and writes `last_used_at` in the background, at most once a
 * minute per key per process: a busy integration must not turn every request into a write (on
 * SQLite, a wait for the single writer).
 */
export class ApiKeyUsage {
  private readonly written = new Map<string, number>();
  private pending = new Map<string, Date>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly db: SqlDatabase,
    private readonly logger: Logger,
    private readonly delayMs = 1_000,
  ) {}

  /** Cheap and synchronous: called on every authenticated request of a key. */
  touch(keyId: string, now = Date.now()): void {
    const last = this.written.get(keyId);
    if (last !== undefined && now - last < LAST_USED_RESOLUTION_MS) return;
    this.written.set(keyId, now);
    this.pending.set(keyId, new Date(now));
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flushing = this.flush();
    }, this.delayMs);
    this.timer.unref();
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    if (batch.size === 0) return;
    try {
      await this.db.transaction(async (tx) => {
        for (const [id, at] of batch) await tx.execute('update api_key set last_used_at = $1 where id = $2', [at, id]);
      });
    } catch (err) {
      // Only a convenience for people: never fail or retry loudly for it.
      this.logger.warn({ err }, 'could not record API key use');
    }
    // Keeps the map small: entries older than the resolution no longer suppress anything.
    const cutoff = Date.now() - LAST_USED_RESOLUTION_MS;
    for (const [id, at] of this.written) if (at < cutoff) this.written.delete(id);
  }

  async close(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.flushing = this.flush();
    }
    await this.flushing;
  }
}
