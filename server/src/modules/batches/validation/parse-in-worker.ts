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
// Parsing holds a chunk, a few MB of text and fast-csv's buffers; far under this.
const WORKER_HEAP_MB = 64;

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
    if (warm === worker) warm = null;
  });
  // A worker nobody listens to must not take the process down with an 'error' event.
  worker.on('error', () => undefined);
  return worker;
}

/**
 * One parse worker kept started between uploads: a thread's start (loading the pipeline's
 * modules) cost 0.1–0.8 s per upload, most of a small file's validation. The first upload of
 * the process starts it: started during the server's own start-up, one start on a loaded machine
 * did not finish (not explained; the first upload is where workers always started). A second upload while
 * one is parsing starts a worker of its own, which ends with its file unless the warm slot is free.
 */
let warm: Worker | null = null;
let jobs = 0;

function takeWorker(): Worker {
  const worker = warm ?? startWorker();
  warm = null;
  worker.ref();
  return worker;
}

function giveBack(worker: Worker): void {
  if (warm) {
    void worker.terminate();
    return;
  }
  // Idle, it must not keep the process alive.
  worker.unref();
  warm = worker;
}

/** Ends the warm parse worker (shutdown). */
export async function stopParseWorker(): Promise<void> {
  const worker = warm;
  warm = null;
  await worker?.terminate();
}

/**
 * Decode, parse and the account-free row checks of one upload on a worker
 * thread, fed with the upload's bytes from this thread; yields packed chunks
 * of prepared rows in file order. File-level problems end the iteration with
 * the worker's FileRejection; anything else (a crash, an exhausted heap) with
 * an Error. `close` ends the byte stream whatever the state, and hands the
 * worker back to be reused only if it finished the file cleanly (else ends it).
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
    // Closed mid-file (a cancel, an error on this side) or crashed, the worker may still be
    // parsing or be broken: it is not reused.
    if (clean) giveBack(this.worker);
    else await this.worker.terminate();
  }
}
