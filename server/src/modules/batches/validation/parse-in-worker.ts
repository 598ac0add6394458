import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { FileRejection } from '../pipeline/errors.js';
import type { PackedRows } from './packed-rows.js';
import type { ParseWorkerData, ToMain, ToWorker } from './parse-protocol.js';

export interface ParseInWorkerOptions {
  maxDataRows: number;
  chunkRows: number;
}

const MAX_CHUNKS_IN_FLIGHT = 3;
const READ_AHEAD_BYTES = 1024 * 1024;
// A file being parsed holds one chunk (≤ 4 M characters), the read-ahead and fast-csv's buffers;
// posted chunks leave the worker's heap. Several files at once stay far under this.
const WORKER_HEAP_MB = 96;

function startWorker(): Worker {
  const self = import.meta.url;
  const entry = new URL(`./parse.worker${self.slice(self.lastIndexOf('.'))}`, self).href;
  const workerData: ParseWorkerData = { entry };
  const worker = new Worker(new URL('./parse-worker.bootstrap.mjs', import.meta.url), {
    workerData,
    // Not the parent's flags (heap size, --import tsx, profilers): the bootstrap loads what it needs.
    execArgv: [],
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
  });
  worker.on('exit', () => {
    if (shared?.worker === worker) shared = null;
  });
  // A worker nobody listens to must not take the process down with an 'error' event.
  worker.on('error', () => undefined);
  return worker;
}

/**
 * One parse worker for the process, kept started between uploads and shared by uploads at the
 * same time (each file a job of its own inside it):
 * - a thread's start (loading the pipeline's modules) cost 0.1–0.8 s per upload, most of a small
 *   file's validation;
 * - a worker per upload cost each concurrent upload a V8 isolate (10–20 MB idle, more while
 *   parsing) and a third busy thread on two cores, and one thread parses faster than one
 *   validation inserts (4 s against 8 s per 500,000 rows), so two uploads do not wait on it.
 * The first upload of the process starts it: started during the server's own start-up, one start
 * on a loaded machine did not finish (not explained; the first upload is where workers always
 * started). If it crashes, every file in it fails and the next upload starts a new one.
 */
let shared: { worker: Worker; users: number } | null = null;
let jobs = 0;

function takeWorker(): Worker {
  if (!shared) shared = { worker: startWorker(), users: 0 };
  shared.users += 1;
  shared.worker.ref();
  return shared.worker;
}

function release(worker: Worker): void {
  if (shared?.worker !== worker) return; // it exited meanwhile
  shared.users -= 1;
  // Idle, it must not keep the process alive.
  if (shared.users === 0) worker.unref();
}

/** Ends the shared parse worker (shutdown). */
export async function stopParseWorker(): Promise<void> {
  const worker = shared?.worker;
  shared = null;
  await worker?.terminate();
}

/**
 * Decode, parse and the account-free row checks of one upload on a worker
 * thread, fed with the upload's bytes from this thread; yields packed chunks
 * of prepared rows in file order. File-level problems end the iteration with
 * the worker's FileRejection; anything else (a crash, an exhausted heap) with
 * an Error. `close` ends the byte stream whatever the state, tells the worker
 * to drop the file if it had not finished it, and releases the worker.
 */
export class ParseInWorker implements AsyncIterable<PackedRows> {
  /** Whether the file had a header row; known once the iteration ended normally. */
  headerSeen = false;
  private readonly worker: Worker;
  private readonly job = ++jobs;
  private readonly queue: PackedRows[] = [];
  private outcome: { error: Error | null } | null = null;
  /**
   * The worker posted `done` or `rejected`: its parse of this file is over and it waits for the
   * next `start` (late messages of this file carry its job number and are ignored on both sides).
   */
  private finishedFile = false;
  private wake: (() => void) | null = null;
  private readonly reader: AsyncIterator<Buffer>;
  private feeding = Promise.resolve();
  private readonly onMessage = (m: ToMain) => this.receive(m);
  private readonly onError = (err: Error) => this.finish(err);
  private readonly onExit = (code: number) => this.finish(new Error(`the parse worker exited (code ${code}) before the end of the file`));

  constructor(
    private readonly bytes: Readable,
    options: ParseInWorkerOptions,
  ) {
    this.reader = bytes[Symbol.asyncIterator]();
    this.worker = takeWorker();
    this.worker.on('message', this.onMessage);
    this.worker.on('error', this.onError);
    this.worker.on('exit', this.onExit);
    this.post({
      t: 'start',
      job: this.job,
      maxDataRows: options.maxDataRows,
      chunkRows: options.chunkRows,
      maxChunksInFlight: MAX_CHUNKS_IN_FLIGHT,
      readAheadBytes: READ_AHEAD_BYTES,
    });
  }

  private post(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  private receive(m: ToMain): void {
    if (m.job !== this.job) return;
    switch (m.t) {
      case 'more':
        // Requests are served in order; the worker has one outstanding at a time.
        this.feeding = this.feeding.then(() => this.feed()).catch((err: Error) => this.finish(err));
        return;
      case 'rows':
        this.queue.push(m.rows);
        break;
      case 'done':
        this.headerSeen = m.headerSeen;
        this.finishedFile = true;
        this.finish(null);
        break;
      case 'rejected':
        this.finishedFile = true;
        this.finish(new FileRejection(m.code, m.message, m.details));
        break;
      case 'failed':
        this.finish(new Error(`the parse worker failed: ${m.message}`));
        break;
    }
    this.signal();
  }

  private async feed(): Promise<void> {
    if (this.outcome) return;
    const { value, done } = await this.reader.next();
    if (done) {
      this.post({ t: 'end', job: this.job });
      return;
    }
    // A copy the worker can own: the chunk may be a view into a shared pool.
    const data = new Uint8Array(value);
    this.post({ t: 'bytes', job: this.job, data }, [data.buffer as ArrayBuffer]);
  }

  private finish(error: Error | null): void {
    if (!this.outcome) this.outcome = { error };
    this.signal();
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<PackedRows> {
    for (;;) {
      // A file error ends the work at once: the rows stored so far are deleted anyway.
      if (this.outcome?.error) throw this.outcome.error;
      const next = this.queue.shift();
      if (next) {
        this.post({ t: 'ack', job: this.job });
        yield next;
        continue;
      }
      if (this.outcome) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  async close(): Promise<void> {
    const clean = this.finishedFile;
    this.finish(new Error('closed'));
    this.bytes.destroy();
    this.worker.off('message', this.onMessage);
    this.worker.off('error', this.onError);
    this.worker.off('exit', this.onExit);
    // Closed mid-file (a cancel, an error on this side): the worker drops this file and goes on
    // with the others. A crashed worker is gone already (its exit cleared the shared slot).
    if (!clean && shared?.worker === this.worker) this.post({ t: 'cancel', job: this.job });
    release(this.worker);
  }
}
