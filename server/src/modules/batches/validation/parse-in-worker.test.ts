import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FileRejection } from '../pipeline/errors.js';
import { TEMPLATE_HEADERS } from '../pipeline/headers.js';
import { PackedRowsReader } from './packed-rows.js';
import { ParseInWorker } from './parse-in-worker.js';

const HEADER = TEMPLATE_HEADERS.join(',');

async function collect(bytes: Readable, chunkRows = 2, maxDataRows = 1_000) {
  const parsing = new ParseInWorker(bytes, { maxDataRows, chunkRows });
  const chunks: { rowNumber: number; typedId: string; email: string; reason: string | null; name: string | null }[][] = [];
  try {
    for await (const packed of parsing) {
      const reader = new PackedRowsReader(packed);
      const rows = [];
      for (let i = 0; i < reader.count; i++) {
        const r = reader.row(i);
        rows.push({ rowNumber: r.rowNumber, typedId: r.typedId, email: r.email, reason: r.emailReason?.text ?? null, name: reader.typedBusinessName(i) });
      }
      chunks.push(rows);
    }
    return { chunks, headerSeen: parsing.headerSeen };
  } finally {
    await parsing.close();
  }
}

const file = (text: string, pieces = 3) => {
  const buf = Buffer.from(text);
  const size = Math.ceil(buf.length / pieces);
  return Readable.from(Array.from({ length: pieces }, (_, i) => buf.subarray(i * size, (i + 1) * size)));
};

describe('ParseInWorker', () => {
  it('yields prepared rows in file order, in chunks, with spreadsheet row numbers', async () => {
    const text = `${HEADER}\r\nacct_1,"Shop, Inc",A,B, X@Example.COM ,✔\r\n\r\n'=acct_2,,,,not-an-email,\r\nacct_3,'=Sum,,,,\r\n`;
    const { chunks, headerSeen } = await collect(file(text, 7));
    expect(headerSeen).toBe(true);
    expect(chunks.map((c) => c.length)).toEqual([2, 1]);
    expect(chunks.flat()).toEqual([
      { rowNumber: 2, typedId: 'acct_1', email: 'X@example.com', reason: null, name: 'Shop, Inc' },
      { rowNumber: 4, typedId: '=acct_2', email: 'not-an-email', reason: 'The address has no "@".', name: null },
      { rowNumber: 5, typedId: 'acct_3', email: '', reason: null, name: '=Sum' },
    ]);
  });

  it('ends with the FileRejection of a file error, details included', async () => {
    const err = await collect(file('Name,Email\r\nx,y\r\n')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileRejection);
    expect(err).toMatchObject({ code: 'MISSING_REQUIRED_HEADERS', foundHeaders: ['Name', 'Email'] });
    expect(await collect(Readable.from([])).catch((e: unknown) => e)).toMatchObject({ code: 'EMPTY_FILE' });
    const tooMany = new ParseInWorker(file(`${HEADER}\nacct_1,,,,,\nacct_2,,,,,\n`), { maxDataRows: 1, chunkRows: 10 });
    await expect((async () => {
      for await (const _ of tooMany);
    })()).rejects.toMatchObject({ code: 'TOO_MANY_ROWS' });
    await tooMany.close();
  });

  it('bounds a chunk by its text too: a few rows of huge cells make several chunks', { timeout: 60_000 }, async () => {
    const big = 'x'.repeat(900_000);
    const lines = [HEADER, ...Array.from({ length: 6 }, (_, i) => `acct_${i},${big},,,,`)];
    const { chunks } = await collect(file(`${lines.join('\n')}\n`, 20), 1_000);
    expect(chunks.map((c) => c.length)).toEqual([5, 1]);
  });

  it('a header without rows is not an error here: the caller decides', async () => {
    expect(await collect(file(`${HEADER}\r\n`))).toEqual({ chunks: [], headerSeen: true });
  });

  it('a failing byte source ends with a plain Error, not a file rejection', async () => {
    const broken = new Readable({
      read() {
        this.destroy(new Error('disk gone'));
      },
    });
    const err = await collect(broken).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(FileRejection);
  });

  it('parses file after file on its warm worker, two at once, and beside and after one abandoned mid-file, carrying nothing over', { timeout: 60_000 }, async () => {
    const text = (id: string) => `${HEADER}\r\n${id},Shop,A,B,x@example.com,\r\n${id}b,,,,,\r\n`;
    const rows = (id: string) => [
      [
        { rowNumber: 2, typedId: id, email: 'x@example.com', reason: null, name: 'Shop' },
        { rowNumber: 3, typedId: `${id}b`, email: '', reason: null, name: null },
      ],
    ];
    expect((await collect(file(text('acct_a')), 10)).chunks).toEqual(rows('acct_a'));
    const [b, c] = await Promise.all([collect(file(text('acct_b')), 10), collect(file(text('acct_c')), 10)]);
    expect([b.chunks, c.chunks]).toEqual([rows('acct_b'), rows('acct_c')]);
    // Abandoned after its first chunk (a cancel) while another file parses beside it in the same
    // worker: the other file comes out whole, and so does the next one.
    const long = (prefix: string) => [HEADER, ...Array.from({ length: 5_000 }, (_, i) => `${prefix}_${i},,,,,`)].join('\n');
    const abandoned = new ParseInWorker(file(long('acct'), 50), { maxDataRows: 10_000, chunkRows: 100 });
    const beside = collect(file(long('acct_beside'), 50), 100, 10_000);
    for await (const _ of abandoned) break;
    await abandoned.close();
    const whole = (await beside).chunks.flat();
    expect(whole).toHaveLength(5_000);
    expect(whole.map((r) => r.typedId)).toEqual(Array.from({ length: 5_000 }, (_, i) => `acct_beside_${i}`));
    expect((await collect(file(text('acct_d')), 10)).chunks).toEqual(rows('acct_d'));
  });
});
