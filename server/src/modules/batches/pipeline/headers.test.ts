import { describe, expect, it } from 'vitest';
import { FileRejection } from './errors.js';
import { REQUIRED_HEADERS, TEMPLATE_HEADERS, mapHeaders, readRow } from './headers.js';

function rejection(fn: () => unknown): FileRejection {
  try {
    fn();
  } catch (err) {
    if (err instanceof FileRejection) return err;
    throw err;
  }
  throw new Error('expected a FileRejection');
}

describe('mapHeaders', () => {
  it('maps the template header row', () => {
    expect(mapHeaders([...TEMPLATE_HEADERS])).toEqual({
      accountId: 0,
      businessName: 1,
      firstName: 2,
      lastName: 3,
      email: 4,
      claimed: 5,
    });
  });

  it('ignores BOM, surrounding spaces, case, order and extra columns', () => {
    const map = mapHeaders(['Notes', '  email address (PLEASE ADD OR REPLACE) ', '\uFEFFaccount id', 'LAST NAME']);
    expect(map).toEqual({ accountId: 2, email: 1, lastName: 3 });
  });

  it('keeps the first occurrence of a duplicated header', () => {
    expect(mapHeaders(['Account ID', 'Email Address (please add or replace)', 'Account ID']).accountId).toBe(0);
  });

  it('names the missing required headers and the headers found, trimmed', () => {
    const e = rejection(() => mapHeaders(['\uFEFF Account  ID ', ' Email ']));
    expect(e.code).toBe('MISSING_REQUIRED_HEADERS');
    expect(e.missingHeaders).toEqual([...REQUIRED_HEADERS]);
    expect(e.foundHeaders).toEqual(['Account  ID', 'Email']);
  });

  it('reports only the header that is missing', () => {
    const e = rejection(() => mapHeaders(['Account ID', 'Business Name']));
    expect(e.missingHeaders).toEqual(['Email Address (please add or replace)']);
  });
});

describe('readRow', () => {
  const map = mapHeaders([...TEMPLATE_HEADERS]);

  it('reads the known cells untrimmed', () => {
    expect(readRow(['acct_1', 'Biz', 'Jo', 'Doe', ' a@b.co ', '✔'], map)).toEqual({
      accountId: 'acct_1',
      businessName: 'Biz',
      firstName: 'Jo',
      lastName: 'Doe',
      email: ' a@b.co ',
      claimed: '✔',
    });
  });

  it('reads missing cells of a short row as empty strings', () => {
    expect(readRow(['acct_1'], map)).toEqual({
      accountId: 'acct_1',
      businessName: '',
      firstName: '',
      lastName: '',
      email: '',
      claimed: '',
    });
  });

  it('leaves columns absent from the file undefined', () => {
    const row = readRow(['x@y.co', 'acct_1'], mapHeaders(['Email Address (please add or replace)', 'Account ID']));
    expect(row.accountId).toBe('acct_1');
    expect(row.email).toBe('x@y.co');
    expect(row.businessName).toBeUndefined();
    expect(row.claimed).toBeUndefined();
  });
});
