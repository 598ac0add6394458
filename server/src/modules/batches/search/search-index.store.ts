import type { SqlDatabase, SqlTx } from '../../../db/sql.js';
import { quoted } from '../../../db/trigram-index.js';

/**
 * The owner of the review's per-batch search indexes: one table per batch
 * (`batch_row_search_<batch id>`), holding for each row the text the review's search reads (new
 * email, current email, business name, account id) under the dialect's trigram index
 * (db/trigram-index.ts). A build fills a second table (`…_new`) beside it and renames it into
 * place; retention and the deletion of a batch's rows drop both. Nothing else writes them.
 */

const PREFIX = 'batch_row_search_';

/** The table a batch's published index lives in. */
export function searchIndexTable(batchId: string): string {
  return `${PREFIX}${batchId}`;
}

const buildTable = (batchId: string) => `${searchIndexTable(batchId)}_new`;

/**
 * The searched text of a batch's rows, as (row number, text). A newline between the fields: a
 * piece that spans two of them is no candidate worth reading (the review's LIKE re-checks each
 * field alone anyway).
 */
const ROW_TEXT = `select row_number, lower(concat_ws('\n', new_email, current_email, business_name, account_id)) from batch_row`;

type Executor = SqlDatabase | SqlTx;

async function run(db: Executor, statements: string[]): Promise<void> {
  for (const s of statements) await db.execute(s);
}

const drop = (name: string) => `drop table if exists ${quoted(name)}`;
const fill = (name: string, where: string) => `insert into ${quoted(name)} (rowid, body) ${ROW_TEXT} where ${where}`;

/** Starts a build: an empty `…_new` table (a previous, unfinished build's is dropped first). */
export async function startSearchBuild(db: SqlDatabase, batchId: string): Promise<void> {
  const name = buildTable(batchId);
  await run(db, [drop(name), ...db.trigram.create(name)]);
}

/** Adds the batch's rows `from < row_number <= to` to the build, in one transaction. */
export async function fillSearchBuild(db: SqlDatabase, batchId: string, from: number, to: number): Promise<void> {
  await db.transaction((tx) =>
    tx.execute(fill(buildTable(batchId), 'batch_id = $1 and row_number > $2 and row_number <= $3'), [batchId, from, to]),
  );
}

/** Ends the filling of a build (PostgreSQL: its GIN index, built once over every row). */
export async function finishSearchBuild(db: SqlDatabase, batchId: string): Promise<void> {
  await run(db, db.trigram.finish(buildTable(batchId)));
}

/** Puts a finished build in place of the batch's index, in the transaction that publishes it. */
export async function swapInSearchBuild(tx: SqlTx, db: SqlDatabase, batchId: string): Promise<void> {
  await run(tx, [drop(searchIndexTable(batchId)), ...db.trigram.rename(buildTable(batchId), searchIndexTable(batchId))]);
}

/** Drops a build that will not be published. */
export async function dropSearchBuild(db: SqlDatabase, batchId: string): Promise<void> {
  await db.execute(drop(buildTable(batchId)));
}

/** Drops the batch's index and any build of it (with its rows, or at retention). */
export async function dropSearchIndex(tx: SqlTx, batchId: string): Promise<void> {
  await run(tx, [drop(searchIndexTable(batchId)), drop(buildTable(batchId))]);
}

/** Writes the current text of rows an edit changed into the batch's published index (same transaction as the edit). */
export async function syncSearchRows(tx: SqlTx, batchId: string, rowNumbers: number[]): Promise<void> {
  if (rowNumbers.length === 0) return;
  const name = searchIndexTable(batchId);
  await tx.execute(`delete from ${quoted(name)} where rowid ${tx.anyOf(1)}`, [rowNumbers]);
  await tx.execute(fill(name, `batch_id = $1 and row_number ${tx.anyOf(2)}`), [batchId, rowNumbers]);
}
