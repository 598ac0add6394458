import { setTimeout as sleep } from 'node:timers/promises';
import type { SqlDatabase } from '../../../db/sql.js';
import type { TrigramIndexSql } from '../../../db/trigram-index.js';
import type { Services } from '../../../services.js';
import { BATCH_STATUSES, type BatchStatus } from '../lifecycle/batch-status.js';
import { retentionCutoff } from '../lifecycle/transitions.js';
import { publishSearchIndex, readSearchIndexState, retireSearchIndex, staleSearchIndexes } from '../store/batch.store.js';
import {
  dropSearchBuild,
  fillSearchBuild,
  finishSearchBuild,
  searchIndexTable,
  startSearchBuild,
  swapInSearchBuild,
} from './search-index.store.js';

/**
 * The review's substring search ("a piece of an address or a name") over a batch of up to
 * 500,000 rows. Without an index it reads every row of the batch (0.3–0.5 s for 500,000); with
 * one it reads the few rows holding the piece's trigrams. An index costs about 100 MB (SQLite) or
 * 150 MB (PostgreSQL) and 4–13 s of one core per 500,000 rows, and most batches are never
 * searched, so a batch gets one on its first search: that search, and any before the build ends,
 * reads the rows; later ones use the index. Edits keep a published index in step in their own
 * transaction; retention drops the indexes of batches left alone for BATCH_EXPIRY_DAYS.
 */

export const SEARCH_INDEX_JOB = 'batch.search-index';

/** Statuses in which a batch has rows a review can search. */
const SEARCHABLE_STATUSES: readonly BatchStatus[] = BATCH_STATUSES.filter(
  (s) => !(['AWAITING_UPLOAD', 'VALIDATING', 'REJECTED', 'EXPIRED'] as const).includes(s as never),
);

/** Said once per process. */
let warnedUnsupported = false;

/** Builds that lost to an edit are run again this many times; a later search asks again. */
const BUILD_ATTEMPTS = 3;

/** How a review's filter reads a batch's published index. */
export interface SearchIndexRef {
  table: string;
  trigram: TrigramIndexSql;
}

/** The batch's published index, for the review's filter; null when it has none. */
export function searchIndexOf(db: Pick<SqlDatabase, 'trigram'>, batch: { id: string; searchIndexedAt: Date | null }): SearchIndexRef | null {
  return batch.searchIndexedAt ? { table: searchIndexTable(batch.id), trigram: db.trigram } : null;
}

/**
 * Asks for the batch's index on a substring search, when it has none and is worth one (large
 * enough, and not left alone long enough for retention to drop it). Never waits for the build.
 */
export async function requestSearchIndex(
  services: Pick<Services, 'jobs' | 'env'>,
  batch: { id: string; summary: { totalRows: number }; searchIndexedAt: Date | null; updatedAt: Date; status: BatchStatus },
  now = new Date(),
): Promise<void> {
  const { env } = services;
  if (batch.searchIndexedAt || batch.summary.totalRows < env.SEARCH_INDEX_MIN_ROWS || !SEARCHABLE_STATUSES.includes(batch.status)) return;
  if (batch.updatedAt < retentionCutoff(now, env.BATCH_EXPIRY_DAYS)) return;
  await services.jobs.enqueue(SEARCH_INDEX_JOB, { batchId: batch.id }, { jobId: `search-index:${batch.id}` });
}

/**
 * Builds and publishes a batch's index: fills a new table chunk by chunk (short transactions,
 * without holding the batch), then publishes it with a guarded write that fails if an edit
 * landed meanwhile, in which case it builds again. True when published.
 */
export async function buildSearchIndex(services: Pick<Services, 'db' | 'env' | 'logger' | 'shutdown'>, batchId: string): Promise<boolean> {
  const { db, env, logger } = services;
  const log = logger.child({ batchId });
  if (!(await db.trigram.supported(db.reads))) {
    if (!warnedUnsupported) log.warn('no trigram index on this database (PostgreSQL: install the pg_trgm extension); the review search reads the rows');
    warnedUnsupported = true;
    return false;
  }
  for (let attempt = 1; attempt <= BUILD_ATTEMPTS; attempt++) {
    const state = await readSearchIndexState(db, batchId);
    if (!state || state.indexed || state.rowsPurged || !SEARCHABLE_STATUSES.includes(state.status)) return false;
    const started = Date.now();
    const [{ hi }] = await db.query<{ hi: number | null }>('select max(row_number) as hi from batch_row where batch_id = $1', [batchId]);
    await startSearchBuild(db, batchId);
    let published = false;
    try {
      for (let from = 0; from < Number(hi ?? 0); from += env.SEARCH_INDEX_CHUNK_ROWS) {
        if (services.shutdown.aborted) return false;
        await fillSearchBuild(db, batchId, from, from + env.SEARCH_INDEX_CHUNK_ROWS);
        // Lets requests in between two chunks (on SQLite each runs on the server's thread).
        await sleep(1);
      }
      await finishSearchBuild(db, batchId);
      published = await db.transaction(async (tx) => {
        if (!(await publishSearchIndex(tx, batchId, state.rowEdits, SEARCHABLE_STATUSES, new Date()))) return false;
        await swapInSearchBuild(tx, db, batchId);
        return true;
      });
    } finally {
      if (!published) await dropSearchBuild(db, batchId).catch((err) => log.warn({ err }, 'could not drop an unpublished search index build'));
    }
    if (published) {
      log.info({ rows: hi, ms: Date.now() - started }, 'search index built');
      return true;
    }
    log.info({ attempt }, 'search index build overtaken by an edit or the batch moved on; trying again');
  }
  return false;
}

/** Registers the build job. */
export function registerSearchIndexJob(services: Services): void {
  services.jobs.register<{ batchId: string }>(SEARCH_INDEX_JOB, async ({ batchId }) => {
    await buildSearchIndex(services, batchId);
  });
}

/** Retention: drops the indexes of batches unchanged for BATCH_EXPIRY_DAYS (a later search reads the rows). */
export async function retireSearchIndexes(services: Pick<Services, 'db' | 'env' | 'logger'>, now: Date, limit: number): Promise<number> {
  const { db, env } = services;
  const before = retentionCutoff(now, env.BATCH_EXPIRY_DAYS);
  let dropped = 0;
  for (const id of await staleSearchIndexes(db, before, limit)) {
    if (await db.transaction((tx) => retireSearchIndex(tx, id, before))) dropped++;
  }
  if (dropped > 0) services.logger.info({ count: dropped }, 'dropped the search indexes of batches left alone');
  return dropped;
}
