import { describe, expect, it } from 'vitest';
import { FileRejection } from './errors.js';
import { RecordScanner } from './record-scanner.js';

function count(text: string, delimiter = ',', pieceSize = text.length || 1): number {
  const scanner = new RecordScanner(delimiter, 1_000_000);
  for (let i = 0; i < text.length; i += pieceSize) scanner.scan(text.slice(i, i + pieceSize));
  scanner.finish();
  return scanner.completedRecords;
}

function failure(fn: () => void): FileRejection {
  try {
    fn();
  } catch (err) {
    if (err instanceof FileRejection) return err;
    throw err;
  }
  throw new Error('expected a FileRejection');
}

describe('RecordScanner', () => {
  it('counts records ended by LF, CRLF or CR, blank ones included', () => {
    expect(count('a\nb\r\nc\rd\n')).toBe(4);
    expect(count('a\n\n\r\n')).toBe(3);
    expect(count('a\r\nb\r\n', ',', 1)).toBe(2);
  });

  it('does not end a record at a line break inside quotes', () => {
    expect(count('"a\nb",c\n"d\r\n""e""\r\n"\n')).toBe(2);
    expect(count('  "a\nb"  ,c\n')).toBe(1);
  });

  it('treats a quote inside an unquoted value as a plain character', () => {
    expect(count('ab"c\nd\n')).toBe(2);
  });

  it('uses the given delimiter', () => {
    expect(count('a;"x\n";b\n', ';')).toBe(1);
    expect(count('a\t"x\n"\tb\n', '\t')).toBe(1);
  });

  it('reports an unclosed quote at finish on the row where the record starts', () => {
    const scanner = new RecordScanner(',', 1_000_000);
    scanner.scan('h\na\n"open\nmore\n');
    const e = failure(() => scanner.finish());
    expect(e.code).toBe('MALFORMED_CSV');
    expect(e.line).toBe(3);
  });

  it('reports characters after a closing quote', () => {
    const e = failure(() => new RecordScanner(',', 100).scan('h\n"a" b,c\n'));
    expect(e.line).toBe(2);
    expect(e.message).toContain('followed by other characters');
  });

  it('allows spaces after a closing quote', () => {
    expect(count('"a"  ,"b" \n')).toBe(1);
  });

  it('reports a record longer than the limit', () => {
    const scanner = new RecordScanner(',', 10);
    scanner.scan('short\n');
    const e = failure(() => scanner.scan('x'.repeat(11)));
    expect(e.line).toBe(2);
    expect(e.message).toContain('longer than 10 characters');
  });
});
