import { PassThrough } from 'node:stream';
import type { Response } from 'express';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { streamCsv } from '../../files/csv-download.js';
import { createDecoder } from './decode.js';
import { unneutralizeCell } from './formula.js';
import { TEMPLATE_HEADERS, mapHeaders, readRow } from './headers.js';
import { createRowParser, type ParsedRow } from './parse.js';
import { type AccountSnapshot, classifyRow } from './rules.js';
import { runStages, split } from './test-utils.js';

/**
 * The template round trip: the CSV the template route streams (its own code, streamCsv, with a
 * stand-in response) read back by the upload pipeline (decoder, parser, header map) gives the same
 * accounts, cell for cell, and validates without a warning. Names hold what real names and
 * hostile ones hold: commas, quotes, line breaks, formula-like text, accents, emoji, spaces.
 */

const ID_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';
const accountId = fc.array(fc.constantFrom(...ID_CHARS), { minLength: 1, maxLength: 20 }).map((c) => `acct_${c.join('')}`);
const tricky = fc.constantFrom(
  ',',
  '"',
  '""',
  '\n',
  '\r\n',
  '\r',
  ';',
  '\t',
  ' ',
  "'",
  '=HYPERLINK("http://evil.example","Click")',
  '=1+1',
  '+33 1 23',
  '-2',
  '@SUM(A1)',
  "'=already guarded",
  'é',
  'Müller',
  'Zoë',
  '✔',
  '😀',
  '例え',
  '\u00a0',
);
/** A name: pieces of ordinary text and tricky characters, or nothing. */
const name = fc.option(
  fc.array(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 8 }), tricky), { maxLength: 6 }).map((parts) => parts.join('')),
  { nil: null },
);
const account = fc.record({
  id: accountId,
  businessName: name,
  firstName: name,
  lastName: name,
  userClaimedEmail: fc.boolean(),
});
type Account = typeof account extends fc.Arbitrary<infer T> ? T : never;

/** Runs the template route's CSV writer into memory, in pages as the route does. */
async function exportTemplate(accounts: Account[], pageSize: number): Promise<Buffer> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  const res = Object.assign(sink, { status: () => res, setHeader: () => res }) as unknown as Response;
  const rows = accounts.map((a) => [a.id, a.businessName ?? '', a.firstName ?? '', a.lastName ?? '', '', a.userClaimedEmail ? '✔' : '✗']);
  let offset = 0;
  await streamCsv(res, 'template.csv', TEMPLATE_HEADERS, async () => {
    if (offset >= rows.length) return null;
    const page = rows.slice(offset, offset + pageSize);
    offset += pageSize;
    return page;
  });
  return Buffer.concat(chunks);
}

async function importFile(bytes: Buffer, chunkSize: number): Promise<ParsedRow[]> {
  const run = await runStages<ParsedRow>(split(bytes, chunkSize), createDecoder(), createRowParser());
  if (run.error) throw run.error;
  return run.out;
}

describe('template CSV round trip (properties)', () => {
  it('export → upload pipeline gives back every account, cell for cell, and validates cleanly', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(account, { minLength: 1, maxLength: 25, selector: (a) => a.id }),
        fc.integer({ min: 1, max: 7 }),
        fc.constantFrom(1, 7, 64, 4096),
        async (accounts, pageSize, chunkSize) => {
          const bytes = await exportTemplate(accounts, pageSize);
          const [header, ...rows] = await importFile(bytes, chunkSize);
          expect(header.rowNumber).toBe(1);
          const columns = mapHeaders(header.cells);
          // Spreadsheet row numbers: a name with a line break is still one row.
          expect(rows.map((r) => r.rowNumber)).toEqual(accounts.map((_, i) => i + 2));
          rows.forEach((row, i) => {
            const a = accounts[i];
            const raw = readRow(row.cells, columns);
            expect(raw.accountId).toBe(a.id);
            for (const [cell, original] of [
              [raw.businessName, a.businessName],
              [raw.firstName, a.firstName],
              [raw.lastName, a.lastName],
            ] as const) {
              expect(unneutralizeCell(cell ?? '')).toBe(original ?? '');
              // No exported cell can start a formula in a spreadsheet.
              expect(cell ?? '').not.toMatch(/^[=+\-@\t\r]/);
            }
            expect(raw.claimed).toBe(a.userClaimedEmail ? '✔' : '✗');
            const snapshot: AccountSnapshot = { ...a, email: null, eligible: true };
            // As downloaded (blank email): nothing to do. Filled in: an ADD without warnings.
            expect(classifyRow(row.rowNumber, raw, snapshot)).toMatchObject({ change: 'SKIPPED', issues: [], accountId: a.id });
            expect(classifyRow(row.rowNumber, { ...raw, email: `owner.${i}@example.com` }, snapshot)).toMatchObject({
              change: 'ADD',
              issues: [],
              newEmail: `owner.${i}@example.com`,
            });
          });
          expect(rows).toHaveLength(accounts.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
