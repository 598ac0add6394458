import type { SqlDatabase, SqlTx } from '../../db/sql.js';

/**
 * The only writer of `event_count` (migration 0015): every statement that inserts or deletes
 * events adds what it wrote here, in its own transaction, so the Webhooks page's event total is
 * one primary-key read instead of a count over the outbox. Counted by the writers rather than by a
 * trigger because events are written on the apply's hot path (see the migration).
 */
export async function addEventCount(tx: SqlTx, platformId: string, type: string, n: number): Promise<void> {
  if (n === 0) return;
  await tx.execute(
    'insert into event_count (platform_id, type, n) values ($1, $2, $3) on conflict (platform_id, type) do update set n = event_count.n + excluded.n',
    [platformId, type, n],
  );
}

/** Events of one platform, of one type or of all. */
export async function eventCount(db: SqlDatabase, platformId: string, type?: string | null): Promise<number> {
  const [r] = type
    ? await db.query<{ n: number | string | null }>('select sum(n) as n from event_count where platform_id = $1 and type = $2', [platformId, type])
    : await db.query<{ n: number | string | null }>('select sum(n) as n from event_count where platform_id = $1', [platformId]);
  return Number(r?.n ?? 0);
}
