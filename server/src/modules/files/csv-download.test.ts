import { PassThrough } from 'node:stream';
import { format } from '@fast-csv/format';
import type { Response } from 'express';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { neutralizeCell } from '../batches/pipeline/formula.js';
import { csvField, streamCsv } from './csv-download.js';

const HEADERS = ['Account ID', 'Business Name', 'Notes, with comma', 'Claimed'];

/** streamCsv into memory, with a stand-in response; `highWaterMark` small to exercise backpressure. */
async function download(pages: string[][][]): Promise<string> {
  const sink = new PassThrough({ highWaterMark: 64 });
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  const res = Object.assign(sink, { status: () => res, setHeader: () => res }) as unknown as Response;
  let i = 0;
  await streamCsv(res, 'x.csv', HEADERS, async () => (i < pages.length ? pages[i++] : null));
  return Buffer.concat(chunks).toString('utf8');
}

/** The bytes these downloads had when @fast-csv/format wrote them row by row (the oracle). */
async function viaFastCsv(rows: string[][]): Promise<string> {
  const csv = format<string[], string[]>({ headers: [...HEADERS], writeBOM: true, includeEndRowDelimiter: true });
  const chunks: Buffer[] = [];
  csv.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
  const ended = new Promise((resolve) => csv.on('end', resolve));
  for (const r of rows) csv.write(r.map(neutralizeCell));
  csv.end();
  await ended;
  return Buffer.concat(chunks).toString('utf8');
}

const tricky = fc.constantFrom(',', '"', '""', '\n', '\r\n', '\r', '|', '\0', '\t', "'", "''=x", '=1+1', '+33', '-2', '@A1', '✔', 'é', '😀', ' ');
const cell = fc.array(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 6 }), tricky), { maxLength: 4 }).map((p) => p.join(''));
const row = fc.array(cell, { minLength: HEADERS.length, maxLength: HEADERS.length });

describe('streamCsv', () => {
  it('writes the bytes @fast-csv/format wrote: BOM, header, quoting, formula guard, LF after every record', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 8 }), async (rows, pageSize) => {
        const pages: string[][][] = [];
        for (let i = 0; i < rows.length; i += pageSize) pages.push(rows.slice(i, i + pageSize));
        expect(await download(pages)).toBe(await viaFastCsv(rows));
      }),
      { numRuns: 300 },
    );
  });

  it('quotes as RFC 4180 asks', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\r')).toBe('"cr\r"');
  });

  it('sends the header of an empty download', async () => {
    expect(await download([])).toBe(`\uFEFFAccount ID,Business Name,"Notes, with comma",Claimed\n`);
  });
});
