import type { SqlDatabase, SqlValue } from '../../db/sql.js';
import { type Connection, decodeCursor, toConnection } from '../../graphql/relay.js';
import { maskOf } from './batch-row.codes.js';
import { BATCH_ROW_COLUMNS, type BatchRowRecord, rowFromRecord } from './batch.mapper.js';
import type { BatchRowFilter, BatchRowType } from './batch.types.js';

/** SQL conditions for a row filter; each list means "any of". */
function filterSql(filter: BatchRowFilter | null | undefined, params: SqlValue[]): string[] {
  const where: string[] = [];
  const inList = (column: string, values: readonly string[]) => {
    const marks = values.map((v) => {
      params.push(v);
      return `$${params.length}`;
    });
    where.push(`${column} in (${marks.join(', ')})`);
  };
  if (filter?.changes?.length) inList('change', filter.changes);
  if (filter?.applyStatuses?.length) inList('apply_status', filter.applyStatuses);
  if (filter?.issueCodes?.length) {
    params.push(maskOf(filter.issueCodes));
    where.push(`(issue_mask & $${params.length}) <> 0`);
  }
  return where;
}

/** Rows of a batch in rowNumber order, keyset-paginated, with the filtered total. */
export async function listBatchRows(
  db: SqlDatabase,
  batchId: string,
  args: { first: number; after?: string | null; filter?: BatchRowFilter | null },
): Promise<Connection<BatchRowType>> {
  const params: SqlValue[] = [batchId];
  const where = ['batch_id = $1', ...filterSql(args.filter, params)];
  const [{ n }] = await db.query<{ n: number | string }>(`select count(*) as n from batch_row where ${where.join(' and ')}`, params);
  const after = args.after ? Number(decodeCursor(args.after)) : 0;
  params.push(Number.isFinite(after) ? after : 0);
  where.push(`row_number > $${params.length}`);
  params.push(args.first + 1);
  const rows = await db.query<BatchRowRecord>(
    `select ${BATCH_ROW_COLUMNS} from batch_row where ${where.join(' and ')} order by row_number limit $${params.length}`,
    params,
  );
  return toConnection(rows.map(rowFromRecord), args.first, (r) => r.rowNumber, Number(n));
}

/** The first `limit` rows with an error or a warning, in rowNumber order. */
export async function problemRows(db: SqlDatabase, batchId: string, limit: number): Promise<BatchRowType[]> {
  const rows = await db.query<BatchRowRecord>(
    `select ${BATCH_ROW_COLUMNS} from batch_row where batch_id = $1 and issue_mask <> 0 order by row_number limit $2`,
    [batchId, limit],
  );
  return rows.map(rowFromRecord);
}
