/** Pub/sub topics of a batch. Payloads are plain JSON so they can cross Redis. */
export const batchTopic = (batchId: string) => `batch:${batchId}`;
export const problemRowsTopic = (batchId: string) => `batch-problems:${batchId}`;

/** A message on the problem-rows topic: rows found by a chunk, or the end of validation. */
export type ProblemRowsMessage =
  | { kind: 'rows'; rows: import('./batch.types.js').BatchRowType[]; revisits?: boolean }
  | { kind: 'done' };
