import type { FileErrorCode, FileRejectionDetails } from '../pipeline/errors.js';
import type { PackedRows } from './packed-rows.js';

/** What the parse worker is started with (`workerData`): it then parses one file per `start`, several at once. */
export interface ParseWorkerData {
  /** The module to run: parse.worker.ts (or .js once compiled), as a file URL. */
  entry: string;
}

/** One file's parse: sent with `start`. */
export interface ParseJobOptions {
  /** Tells this file's messages from a previous file's late ones (an `ack` sent after the end). */
  job: number;
  maxDataRows: number;
  /** Data rows per packed chunk. */
  chunkRows: number;
  /** Chunks posted and not yet taken by the main thread before the worker stops parsing. */
  maxChunksInFlight: number;
  /** Bytes of the file the worker asks for ahead of its parser. */
  readAheadBytes: number;
}

/** Main thread → worker; every message but `start` names the job it belongs to. */
export type ToWorker =
  | ({ t: 'start' } & ParseJobOptions)
  | { t: 'bytes'; job: number; data: Uint8Array }
  | { t: 'end'; job: number }
  /** One chunk taken: the worker may post another. */
  | { t: 'ack'; job: number }
  /** The main thread gave up on this file (a cancel, an error on its side): stop parsing it, post nothing more. */
  | { t: 'cancel'; job: number };

/** Worker → main thread, per job in this order: `more`/`rows` any number of times, then one of `done`, `rejected`, `failed`. */
export type ToMain =
  | { t: 'more'; job: number }
  | { t: 'rows'; job: number; rows: PackedRows }
  | { t: 'done'; job: number; headerSeen: boolean }
  | { t: 'rejected'; job: number; code: FileErrorCode; message: string; details: FileRejectionDetails }
  | { t: 'failed'; job: number; message: string };
