import type { FileErrorCode, FileRejectionDetails } from '../pipeline/errors.js';
import type { PackedRows } from './packed-rows.js';

/** What the parse worker is started with (`workerData`). */
export interface ParseWorkerOptions {
  /** The module to run: parse.worker.ts (or .js once compiled), as a file URL. */
  entry: string;
  maxDataRows: number;
  /** Data rows per packed chunk. */
  chunkRows: number;
  /** Chunks posted and not yet taken by the main thread before the worker stops parsing. */
  maxChunksInFlight: number;
  /** Bytes of the file the worker asks for ahead of its parser. */
  readAheadBytes: number;
}

/** Main thread → worker. */
export type ToWorker =
  | { t: 'bytes'; data: Uint8Array }
  | { t: 'end' }
  /** One chunk taken: the worker may post another. */
  | { t: 'ack' };

/** Worker → main thread, in this order: `more`/`rows` any number of times, then one of `done`, `rejected`, `failed`. */
export type ToMain =
  | { t: 'more' }
  | { t: 'rows'; rows: PackedRows }
  | { t: 'done'; headerSeen: boolean }
  | { t: 'rejected'; code: FileErrorCode; message: string; details: FileRejectionDetails }
  | { t: 'failed'; message: string };
