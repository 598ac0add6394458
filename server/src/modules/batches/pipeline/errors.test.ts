import { describe, expect, it } from 'vitest';
import {
  FileRejection,
  emptyFileRejection,
  fileTooLargeRejection,
  malformedCsvRejection,
  missingHeadersRejection,
  tooManyRowsRejection,
  unsupportedEncodingRejection,
} from './errors.js';

describe('FileRejection helpers', () => {
  it('EMPTY_FILE says there is no header row', () => {
    const e = emptyFileRejection();
    expect(e).toBeInstanceOf(FileRejection);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('FileRejection');
    expect(e.code).toBe('EMPTY_FILE');
    expect(e.message).toMatch(/no header row/);
  });

  it('TOO_MANY_ROWS states the limit and says to split', () => {
    const e = tooManyRowsRejection(500_000);
    expect(e.code).toBe('TOO_MANY_ROWS');
    expect(e.message).toBe(
      'This file has more than 500,000 rows. Split it into several files of at most 500,000 rows each and upload them one by one.',
    );
    expect(tooManyRowsRejection(1000).message).toContain('at most 1,000 rows');
  });

  it('MISSING_REQUIRED_HEADERS names missing and found headers and keeps them as fields', () => {
    const e = missingHeadersRejection(['Account ID'], ['Acct', 'Email Address (please add or replace)']);
    expect(e.code).toBe('MISSING_REQUIRED_HEADERS');
    expect(e.missingHeaders).toEqual(['Account ID']);
    expect(e.foundHeaders).toEqual(['Acct', 'Email Address (please add or replace)']);
    expect(e.message).toContain('missing the required column "Account ID"');
    expect(e.message).toContain('"Acct", "Email Address (please add or replace)"');
  });

  it('MISSING_REQUIRED_HEADERS pluralizes, handles no headers and caps a long list', () => {
    expect(missingHeadersRejection(['A', 'B'], ['', '']).message).toMatch(/required columns "A", "B"\. The first row of the file has no column names/);
    const many = Array.from({ length: 25 }, (_, i) => `h${i}`);
    const e = missingHeadersRejection(['A'], many);
    expect(e.message).toContain('"h19" and 5 more');
    expect(e.message).not.toContain('"h20"');
    expect(e.foundHeaders).toHaveLength(25);
    expect(missingHeadersRejection(['A'], ['x'.repeat(500)]).message.length).toBeLessThan(400);
  });

  it('MALFORMED_CSV names the line', () => {
    const e = malformedCsvRejection(12, 'a quote (") opens a value that is never closed');
    expect(e.code).toBe('MALFORMED_CSV');
    expect(e.line).toBe(12);
    expect(e.message).toMatch(/^Row 12 of this file is not valid CSV: a quote \("\) opens a value that is never closed\. /);
    expect(malformedCsvRejection(3).message).toMatch(/^Row 3 of this file is not valid CSV\. Check/);
  });

  it('UNSUPPORTED_ENCODING says to save as CSV UTF-8', () => {
    const e = unsupportedEncodingRejection();
    expect(e.code).toBe('UNSUPPORTED_ENCODING');
    expect(e.message).toContain('CSV UTF-8');
  });

  it('FILE_TOO_LARGE states the size limit', () => {
    const e = fileTooLargeRejection(50 * 1024 * 1024);
    expect(e.code).toBe('FILE_TOO_LARGE');
    expect(e.message).toContain('larger than 50 MB');
    expect(fileTooLargeRejection(1536).message).toContain('1.5 KB');
  });

  it('leaves optional fields undefined when not given', () => {
    const e = new FileRejection('EMPTY_FILE', 'x');
    expect(e.line).toBeUndefined();
    expect(e.missingHeaders).toBeUndefined();
    expect(e.foundHeaders).toBeUndefined();
  });
});
