import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parentPort } from 'node:worker_threads';
import { createDecoder } from '../pipeline/decode.js';
import { FileRejection } from '../pipeline/errors.js';
import { unneutralizeCell } from '../pipeline/formula.js';
import { type ColumnMap, mapHeaders, readRow } from '../pipeline/headers.js';
import { createRowParser, type ParsedRow } from '../pipeline/parse.js';
import { prepareRow } from '../pipeline/rules.js';
import { RowPacker } from './packed-rows.js';
import type { ParseJobOptions, ToMain, ToWorker } from './parse-protocol.js';

/**
 * The parse side of a validation, on its own thread: bytes arrive from the
 * main thread, are decoded, parsed, mapped to columns and checked row by row
 * (everything that does not need the account), and leave in packed chunks.
 * The thread outlives a file: it parses one file per `start` message, so an
 * upload does not pay a thread's start-up (parse-in-worker.ts keeps it warm),
 * and uploads at the same time share it, each file a job of its own.
 * Only pipeline modules are loaded here: no ORM, no app.
 */
const port = parentPort;
if (!port) throw new Error('parse.worker.ts runs as a worker thread');

const post = (message: ToMain, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

// A few rows of huge cells must not make one huge chunk (the worker's heap is small).
const MAX_CHUNK_CHARS = 4_000_000;

interface Job {
  receive(message: ToWorker): void;
  cancel(): void;
}

const jobs = new Map<number, Job>();

function startJob(options: ParseJobOptions): Job {
  const job = options.job;
  let cancelled = false;
  // Bytes: one request at a time, buffered ahead up to the high-water mark, so
  // parsing goes on while the main thread is busy inside a chunk's transaction.
  const bytes = new Readable({
    highWaterMark: options.readAheadBytes,
    read() {
      post({ t: 'more', job });
    },
  });
  // Chunks: at most `maxChunksInFlight` posted and not yet taken by the main thread.
  let inFlight = 0;
  let resume: (() => void) | null = null;
  const packer = new RowPacker();
  let columns: ColumnMap | null = null;
  const postChunk = () => {
    const packed = packer.take();
    inFlight += 1;
    post({ t: 'rows', job, rows: packed }, [packed.rowNumbers.buffer as ArrayBuffer, packed.flags.buffer as ArrayBuffer]);
  };

  const sink = new Writable({
    objectMode: true,
    highWaterMark: 64,
    write(row: ParsedRow, _enc, done) {
      try {
        if (!columns) {
          columns = mapHeaders(row.cells);
          done();
          return;
        }
        const raw = readRow(row.cells, columns);
        const typedName = raw.businessName ? unneutralizeCell(raw.businessName).trim() || null : null;
        packer.add(prepareRow(row.rowNumber, raw), typedName);
        if (packer.count < options.chunkRows && packer.chars < MAX_CHUNK_CHARS) {
          done();
          return;
        }
        postChunk();
        if (inFlight < options.maxChunksInFlight) done();
        else resume = () => done();
      } catch (err) {
        done(err as Error);
      }
    },
    final(done) {
      if (packer.count > 0) postChunk();
      done();
    },
  });

  const parsed = pipeline(bytes, createDecoder(), createRowParser({ maxDataRows: options.maxDataRows }), sink);
  parsed.then(
    () => {
      if (!cancelled) post({ t: 'done', job, headerSeen: columns !== null });
    },
    (err: unknown) => {
      if (cancelled) return;
      if (err instanceof FileRejection) {
        post({
          t: 'rejected',
          job,
          code: err.code,
          message: err.message,
          details: { line: err.line, missingHeaders: err.missingHeaders, foundHeaders: err.foundHeaders },
        });
      } else {
        post({ t: 'failed', job, message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      }
    },
  ).finally(() => jobs.delete(job));

  return {
    receive(message) {
      if (message.t === 'bytes') bytes.push(Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength));
      else if (message.t === 'end') bytes.push(null);
      else if (message.t === 'ack') {
        inFlight -= 1;
        const go = resume;
        resume = null;
        go?.();
      }
    },
    cancel() {
      cancelled = true;
      // Destroying the source ends the pipeline (its rejection is silenced above); a write
      // waiting for an ack is released so the sink sees the end.
      bytes.destroy();
      const go = resume;
      resume = null;
      go?.();
    },
  };
}

// The listener keeps the thread alive between files; the main thread unrefs an idle worker.
port.on('message', (message: ToWorker) => {
  if (message.t === 'start') {
    jobs.set(message.job, startJob(message));
    return;
  }
  const job = jobs.get(message.job);
  if (!job) return; // a late message of a file that ended
  if (message.t === 'cancel') {
    jobs.delete(message.job);
    job.cancel();
  } else job.receive(message);
});
