import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { FileRejection } from '../pipeline/errors.js';
import type { PackedRows } from './packed-rows.js';
import type { ParseWorkerOptions, ToMain, ToWorker } from './parse-protocol.js';

export interface ParseInWorkerOptions {
  maxDataRows: number;
  chunkRows: number;
}

const MAX_CHUNKS_IN_FLIGHT = 3;
const READ_AHEAD_BYTES = 1024 * 1024;
// Parsing holds a chunk, a few MB of text and fast-csv's buffers; far under this.
const WORKER_HEAP_MB = 64;

/**
 * Decode, parse and the account-free row checks of one upload on a worker
 * thread, fed with the upload's bytes from this thread; yields packed chunks
 * of prepared rows in file order. File-level problems end the iteration with
 * the worker's FileRejection; anything else (a crash, an exhausted heap) with
 * an Error. `close` ends the worker and the byte stream, whatever the state.
 */
export class ParseInWorker implements AsyncIterable<PackedRows> {
  /** Whether the file had a header row; known once the iteration ended normally. */
  headerSeen = false;
  private readonly worker: Worker;
  private readonly queue: PackedRows[] = [];
  private outcome: { error: Error | null } | null = null;
  private wake: (() => void) | null = null;
  private readonly reader: AsyncIterator<Buffer>;
  private feeding = Promise.resolve();

  constructor(
    private readonly bytes: Readable,
    options: ParseInWorkerOptions,
  ) {
    this.reader = bytes[Symbol.asyncIterator]();
    const self = import.meta.url;
    const entry = new URL(`./parse.worker${self.slice(self.lastIndexOf('.'))}`, self).href;
    const workerData: ParseWorkerOptions = {
      entry,
      maxDataRows: options.maxDataRows,
      chunkRows: options.chunkRows,
      maxChunksInFlight: MAX_CHUNKS_IN_FLIGHT,
      readAheadBytes: READ_AHEAD_BYTES,
    };
    this.worker = new Worker(new URL('./parse-worker.bootstrap.mjs', import.meta.url), {
      workerData,
      // Not the parent's flags (heap size, --import tsx, profilers): the bootstrap loads what it needs.
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    this.worker.on('message', (m: ToMain) => this.receive(m));
    this.worker.on('error', (err) => this.finish(err));
    this.worker.on('exit', (code) => this.finish(new Error(`the parse worker exited (code ${code}) before the end of the file`)));
  }

  private post(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  private receive(m: ToMain): void {
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
        this.finish(null);
        break;
      case 'rejected':
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
      this.post({ t: 'end' });
      return;
    }
    // A copy the worker can own: the chunk may be a view into a shared pool.
    const data = new Uint8Array(value);
    this.post({ t: 'bytes', data }, [data.buffer as ArrayBuffer]);
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
        this.post({ t: 'ack' });
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
    this.finish(new Error('closed'));
    this.bytes.destroy();
    await this.worker.terminate();
  }
}
