import type { SqlDatabase } from '../../db/sql.js';

/**
 * Reads the delivery counters that migration 0015's triggers keep (`webhook_delivery_count`), so
 * the Webhooks page answers in a few index probes however many deliveries exist. The triggers are
 * the only writers of the counts; this module only reads and folds them.
 */

/** Deliveries of one endpoint per stored status. */
export async function deliveryCounts(db: SqlDatabase, endpointId: string): Promise<Map<string, number>> {
  const rows = await db.query<{ status: string; n: number | string }>(
    'select status, sum(n) as n from webhook_delivery_count where endpoint_id = $1 group by status',
    [endpointId],
  );
  return new Map(rows.map((r) => [r.status, Number(r.n)]));
}

/**
 * Folds each key's rows into one and drops keys at zero. On PostgreSQL the triggers append a delta
 * row per statement (see the migration for why); the delete and the insert of the sums are one
 * statement, so a delta committed meanwhile is either folded or left alone, never lost. On SQLite
 * the triggers upsert one row per key, so only the zeros go.
 */
const FOLD: Record<SqlDatabase['dialect'], string> = {
  postgresql: `with gone as (
       delete from webhook_delivery_count where (endpoint_id, status) in (
         select endpoint_id, status from webhook_delivery_count group by endpoint_id, status having count(*) > 1 or sum(n) = 0)
       returning endpoint_id, status, n)
     insert into webhook_delivery_count (endpoint_id, status, n)
     select endpoint_id, status, sum(n) from gone group by endpoint_id, status having sum(n) <> 0`,
  sqlite: 'delete from webhook_delivery_count where n = 0',
};

/** One fold of the delivery counts. */
export async function foldCounts(db: SqlDatabase): Promise<void> {
  await db.execute(FOLD[db.dialect]);
}
