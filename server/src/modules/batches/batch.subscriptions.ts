import { setTimeout as sleep } from 'node:timers/promises';
import { notFound } from '../../graphql/errors.js';
import { throttleLatest } from '../../pubsub/throttle.js';
import type { Services } from '../../services.js';
import { problemRows } from './batch-rows.service.js';
import { UploadBatchStatus } from './lifecycle/batch-status.js';
import { isTerminal } from './lifecycle/transitions.js';
import { findBatch } from './batch.service.js';
import { batchTopic, type ProblemRowsMessage, problemRowsTopic } from './batch.topics.js';
import type { BatchRowType, UploadBatchType } from './batch.types.js';

/** API.md: at most ~10 events per second, at most 100 rows per event. */
export const EVENT_INTERVAL_MS = 100;
export const ROWS_PER_EVENT = 100;
/** A late subscriber first gets the problem rows found so far, up to this many. */
export const BACKLOG_ROWS = 1_000;
/** Live rows waiting to be sent to one subscriber, at most; past it the rest is in `rows`. */
const MAX_QUEUED_ROWS = 10_000;

/**
 * uploadBatchUpdated: the batch as it is now, then its changes (latest state at
 * most every 100 ms), always the final state, then the end.
 */
export async function* batchUpdates(services: Services, platformId: string, batchId: string): AsyncGenerator<UploadBatchType> {
  // Subscribe before reading so no change between the read and the subscription is lost.
  const source = services.pubsub.subscribe(batchTopic(batchId));
  try {
    const initial = await findBatch(services.db, platformId, batchId);
    if (!initial) throw notFound('Upload batch');
    yield initial;
    if (isTerminal(initial.status)) return;
    // A job may publish the same state twice (e.g. once per chunk and once at the end).
    const key = (b: UploadBatchType) => JSON.stringify([b.status, b.summary, b.fileError, b.failureMessage]);
    let lastKey = key(initial);
    const since = initial.updatedAt.getTime();
    const fresh: AsyncIterator<UploadBatchType> = {
      next: async () => {
        for (;;) {
          const r = await source.next();
          // Snapshots published before our read carry nothing new.
          if (r.done || new Date(r.value.updatedAt).getTime() >= since) return r;
        }
      },
      return: async () => (await source.return?.()) ?? { done: true, value: undefined },
    };
    for await (const batch of throttleLatest(fresh, EVENT_INTERVAL_MS, (b) => isTerminal(b.status))) {
      const k = key(batch);
      if (k === lastKey) continue;
      lastKey = k;
      yield batch;
    }
  } finally {
    await source.return?.();
  }
}

/**
 * uploadBatchProblemRows: rows with errors or warnings as validation finds
 * them, in lists of at most 100, at most every 100 ms; a late subscriber gets
 * the first 1,000 found so far first. Ends when validation ends.
 */
export async function* problemRowLists(services: Services, platformId: string, batchId: string): AsyncGenerator<BatchRowType[]> {
  const source = services.pubsub.subscribe(problemRowsTopic(batchId));
  const queue: BatchRowType[] = [];
  let done = false;
  let wake: (() => void) | undefined;
  let sentUpTo = 0;
  let backlogLoaded = false;
  const pending: ProblemRowsMessage[] = [];
  const accept = (message: ProblemRowsMessage) => {
    if (message.kind === 'done') done = true;
    else {
      for (const row of message.rows) {
        // Rows already in the backlog come again only when a later pass changed them (duplicates).
        if ((message.revisits || row.rowNumber > sentUpTo) && queue.length < MAX_QUEUED_ROWS) queue.push(row);
      }
    }
    wake?.();
  };
  const pump = (async () => {
    for (;;) {
      const r = await source.next();
      if (r.done) return;
      if (backlogLoaded) accept(r.value);
      else pending.push(r.value);
      if (r.value.kind === 'done') return;
    }
  })().catch(() => {
    done = true;
    wake?.();
  });
  try {
    const batch = await findBatch(services.db, platformId, batchId);
    if (!batch) throw notFound('Upload batch');
    const backlog = await problemRows(services.db, batchId, BACKLOG_ROWS);
    sentUpTo = backlog.at(-1)?.rowNumber ?? 0;
    queue.push(...backlog);
    backlogLoaded = true;
    for (const message of pending.splice(0)) accept(message);
    const stillValidating = batch.status === UploadBatchStatus.AWAITING_UPLOAD || batch.status === UploadBatchStatus.VALIDATING;
    if (!stillValidating) done = true;
    let lastEmit = 0;
    for (;;) {
      if (queue.length === 0) {
        if (done) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        continue;
      }
      const wait = lastEmit + EVENT_INTERVAL_MS - Date.now();
      if (wait > 0) await sleep(wait);
      const list = queue.splice(0, ROWS_PER_EVENT).sort((a, b) => a.rowNumber - b.rowNumber);
      lastEmit = Date.now();
      yield list;
    }
  } finally {
    await source.return?.();
    await pump;
  }
}
