import { Readable, type Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ParsedRow } from './parse.js';

/** Outcome of running chunks through stream stages, for tests: what came out, and the error if any. */
export interface StreamRun<T> {
  out: T[];
  error: (Error & { code?: string; line?: number }) | null;
}

/** Pipes `chunks` through `stages` and collects every output chunk; never rejects. */
export async function runStages<T>(chunks: readonly (Buffer | string)[], ...stages: Transform[]): Promise<StreamRun<T>> {
  const out: T[] = [];
  let error: StreamRun<T>['error'] = null;
  try {
    const sink = new Writable({
      objectMode: true,
      write(item: T, _enc, done) {
        out.push(item);
        done();
      },
    });
    await pipeline([Readable.from(chunks, { objectMode: true }), ...stages, sink]);
  } catch (err) {
    error = err as StreamRun<T>['error'];
  }
  return { out, error };
}

/** Splits a buffer or string into pieces of `size` (1 = byte by byte / char by char). */
export function split<T extends Buffer | string>(input: T, size: number): T[] {
  const pieces: T[] = [];
  for (let i = 0; i < input.length; i += size) pieces.push(input.slice(i, i + size) as T);
  return pieces;
}

/** Row numbers and cells only, for compact assertions. */
export function simplify(rows: ParsedRow[]): [number, string[]][] {
  return rows.map((r) => [r.rowNumber, r.cells]);
}
