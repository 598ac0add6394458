import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FileRejection } from './errors.js';
import { type ColumnMap, REQUIRED_HEADERS, TEMPLATE_HEADERS, mapHeaders } from './headers.js';

const KEYS: (keyof ColumnMap)[] = ['accountId', 'businessName', 'firstName', 'lastName', 'email', 'claimed'];

/** A header as a spreadsheet may spell it: any letter case, surrounding spaces (and no-break spaces). */
const spelled = (header: string) =>
  fc
    .tuple(
      fc.array(fc.boolean(), { minLength: header.length, maxLength: header.length }),
      fc.constantFrom('', ' ', '  ', '\t', '\u00a0'),
      fc.constantFrom('', ' ', '\u00a0 '),
    )
    .map(([upper, before, after]) => `${before}${[...header].map((c, i) => (upper[i] ? c.toUpperCase() : c.toLowerCase())).join('')}${after}`);

const normalized = (h: string) => h.replace(/\uFEFF/g, '').trim().toLowerCase();
const KNOWN = new Set(TEMPLATE_HEADERS.map((h) => h.toLowerCase()));
/** Columns that are not template columns (notes, internal refs, near-misses). */
const extra = fc
  .oneof(fc.string({ maxLength: 20 }), fc.constantFrom('Notes', 'Acount ID', 'Email', 'E-mail Address', 'Account ID 2', ''))
  .filter((h) => !KNOWN.has(normalized(h)));

describe('mapHeaders (properties)', () => {
  it('finds every template column whatever the order, case, spacing, BOM and extra columns', () => {
    interface Column {
      name: string;
      /** Index in TEMPLATE_HEADERS, -1 for an extra column. */
      templateIndex: number;
    }
    const headerRow = fc
      .subarray([1, 2, 3, 5])
      .chain((optional) => {
        const picked = [0, 4, ...optional];
        return fc.tuple(
          fc.tuple(...picked.map((i) => spelled(TEMPLATE_HEADERS[i]).map((name): Column => ({ name, templateIndex: i })))),
          fc.array(extra.map((name): Column => ({ name, templateIndex: -1 })), { maxLength: 5 }),
        );
      })
      .chain(([known, extras]) => {
        const all = [...known, ...extras];
        return fc.tuple(fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }), fc.boolean());
      });
    fc.assert(
      fc.property(headerRow, ([columns, bom]) => {
        const found = columns.map((c) => c.name);
        if (bom) found[0] = `\uFEFF${found[0]}`;
        const map = mapHeaders(found);
        KEYS.forEach((key, templateIndex) => {
          const at = columns.findIndex((c) => c.templateIndex === templateIndex);
          expect(map[key]).toBe(at < 0 ? undefined : at);
        });
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a header row without a required column, naming exactly what is missing and echoing what was found', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(extra, ...TEMPLATE_HEADERS.filter((h) => !REQUIRED_HEADERS.includes(h)).map((h) => spelled(h))), { maxLength: 8 }),
        fc.subarray([...REQUIRED_HEADERS], { maxLength: 1 }),
        (others, present) => {
          const found = [...others, ...present];
          const missing = REQUIRED_HEADERS.filter((h) => !present.includes(h));
          let error: unknown;
          try {
            mapHeaders(found);
          } catch (err) {
            error = err;
          }
          expect(error).toBeInstanceOf(FileRejection);
          const rejection = error as FileRejection;
          expect(rejection.code).toBe('MISSING_REQUIRED_HEADERS');
          expect(rejection.missingHeaders).toEqual(missing);
          expect(rejection.foundHeaders).toEqual(found.map((h) => h.replace(/\uFEFF/g, '').trim()));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('takes the leftmost of duplicated columns', () => {
    fc.assert(
      fc.property(fc.nat({ max: 5 }), fc.nat({ max: 5 }), (before, between) => {
        const found = [...Array(before).fill('x'), 'Account ID', ...Array(between).fill('y'), ' account id ', 'Email Address (please add or replace)'];
        expect(mapHeaders(found).accountId).toBe(before);
      }),
    );
  });
});
