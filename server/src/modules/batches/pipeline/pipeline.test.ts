import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { encode } from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { createDecoder } from './decode.js';
import { type ParsedRow, createRowParser } from './parse.js';
import { runStages, simplify, split } from './test-utils.js';

const HEADER =
  'Account ID,Business Name,First Name,Last Name,Email Address (please add or replace),User has claimed primary user email address';

async function decodeAndParse(chunks: Buffer[]) {
  const run = await runStages<ParsedRow>(chunks, createDecoder(), createRowParser());
  return { rows: simplify(run.out), error: run.error };
}

describe('decode → parse', () => {
  const text = `${HEADER}\r\nacct_123abc,"Café, Müller",Zoë,Doe,zoe@example.com,✔\r\n\r\nacct_456def,Connected Account B,,,,✗\r\n`;
  const expected = (mark1: string, mark2: string): [number, string[]][] => [
    [1, HEADER.split(',')],
    [2, ['acct_123abc', 'Café, Müller', 'Zoë', 'Doe', 'zoe@example.com', mark1]],
    [4, ['acct_456def', 'Connected Account B', '', '', '', mark2]],
  ];

  it.each([
    ['UTF-8 with BOM', Buffer.from(`\uFEFF${text}`)],
    ['UTF-16LE with BOM', encode(text, 'utf-16le', { addBOM: true })],
    ['UTF-16BE without BOM', encode(text, 'utf-16be')],
  ])('reads %s byte by byte', async (_name, bytes) => {
    expect(await decodeAndParse(split(bytes, 1))).toEqual({ rows: expected('✔', '✗'), error: null });
  });

  it('reads a semicolon-separated Windows-1252 file as saved by European Excel', async () => {
    const semi =
      `${HEADER.replaceAll(',', ';')}\r\nacct_123abc;"Café, Müller";Zoë;Doe;zoe@example.com;?\r\n\r\n` +
      'acct_456def;Connected Account B;;;;?\r\n';
    const { rows, error } = await decodeAndParse([encode(semi, 'windows-1252')]);
    expect(error).toBeNull();
    expect(rows).toEqual(expected('?', '?'));
  });

  it('refuses PNG bytes with UNSUPPORTED_ENCODING', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');
    expect((await decodeAndParse([png])).error?.code).toBe('UNSUPPORTED_ENCODING');
  });

  it('refuses a BOM-only file with EMPTY_FILE', async () => {
    expect((await decodeAndParse([Buffer.from([0xef, 0xbb, 0xbf])])).error?.code).toBe('EMPTY_FILE');
  });

  it('refuses an unterminated quote with MALFORMED_CSV and its row', async () => {
    const { error } = await decodeAndParse([Buffer.from(`${HEADER}\nacct_1,"Biz,,,,a@b.co,✔\nacct_2,x,,,,\n`)]);
    expect(error?.code).toBe('MALFORMED_CSV');
    expect(error?.line).toBe(2);
  });
});

describe('backpressure', () => {
  it('streams 200,000 rows to a slow consumer with correct numbers and bounded read-ahead', async () => {
    const ROWS = 200_000;
    const expectedNumbers: number[] = [];
    const rowOffsets: number[] = []; // byte offset where each data row ends in the file
    let produced = 0;

    function* generate(): Generator<Buffer> {
      let offset = 0;
      let record = 1;
      let pending = `${HEADER}\n`;
      for (let i = 0; i < ROWS; i += 1) {
        // Multi-line values and blank lines check that numbering follows spreadsheet rows.
        const name = i % 10_000 === 0 ? `"Biz\n${i}"` : `Biz ${i}`;
        const blank = i % 50_000 === 1 ? '\n' : '';
        record += 1;
        expectedNumbers.push(record);
        record += blank ? 1 : 0;
        const line = `acct_${i},${name},First,Last,user${i}@example.com,✔\n${blank}`;
        pending += line;
        offset += Buffer.byteLength(line);
        rowOffsets.push(offset);
        if (pending.length >= 64 * 1024) {
          const chunk = Buffer.from(pending);
          produced += chunk.length;
          pending = '';
          yield chunk;
        }
      }
      const last = Buffer.from(pending);
      produced += last.length;
      yield last;
    }

    const parser = createRowParser();
    let seen = 0;
    let wrongNumbers = 0;
    let maxReadAhead = 0;
    let maxParserBuffer = 0;
    const consumer = new Writable({
      objectMode: true,
      highWaterMark: 16,
      write(row: ParsedRow, _enc, done) {
        if (row.rowNumber !== 1) {
          if (row.rowNumber !== expectedNumbers[seen] || row.cells[0] !== `acct_${seen}`) wrongNumbers += 1;
          maxReadAhead = Math.max(maxReadAhead, produced - rowOffsets[seen]);
          seen += 1;
        }
        maxParserBuffer = Math.max(maxParserBuffer, parser.readableLength);
        if (seen % 2_000 === 0) setTimeout(done, 1);
        else done();
      },
    });

    await pipeline(Readable.from(generate()), createDecoder(), parser, consumer);

    expect(seen).toBe(ROWS);
    expect(wrongNumbers).toBe(0);
    expect(produced).toBeGreaterThan(10 * 1024 * 1024);
    // Stream buffers between stages hold a few MiB at most; without backpressure it would be the whole file.
    expect(maxReadAhead).toBeLessThan(4 * 1024 * 1024);
    expect(maxParserBuffer).toBeLessThan(2_500);
  }, 20_000);
});
