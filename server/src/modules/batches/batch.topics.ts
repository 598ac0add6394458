import { type Topic, topic } from '../../pubsub/pubsub.js';
import type { BatchRowType, UploadBatchType } from './batch.types.js';

/** Pub/sub topics of a batch. Payloads are plain JSON (and dates, which the Redis bus revives) so they can cross Redis. */
export const batchTopic = (batchId: string): Topic<UploadBatchType> => topic(`batch:${batchId}`);
export const problemRowsTopic = (batchId: string): Topic<ProblemRowsMessage> => topic(`batch-problems:${batchId}`);

/** A message on the problem-rows topic: rows found by a chunk, or the end of validation. */
export type ProblemRowsMessage = { kind: 'rows'; rows: BatchRowType[]; revisits?: boolean } | { kind: 'done' };
