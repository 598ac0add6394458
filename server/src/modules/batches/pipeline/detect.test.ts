import { encode } from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { detectEncoding, isAscii, utf8Evidence, utf8OrWindows1252, validUtf8Length } from './detect.js';

const CSV = 'Account ID,Business Name,Email Address (please add or replace)\nacct_1,Café Müller,a@b.co\n';

describe('detectEncoding', () => {
  it('reads UTF-8 with and without BOM, and pure ASCII, as utf8', () => {
    expect(detectEncoding(Buffer.from(`\uFEFF${CSV}`))).toBe('utf8');
    expect(detectEncoding(Buffer.from(CSV))).toBe('utf8');
    expect(detectEncoding(Buffer.from('a,b\n1,2\n'))).toBe('utf8');
    expect(detectEncoding(Buffer.alloc(0))).toBe('utf8');
  });

  it('tolerates a UTF-8 character cut by the end of the prefix', () => {
    const bytes = Buffer.from('abc✔');
    expect(detectEncoding(bytes.subarray(0, bytes.length - 1))).toBe('utf8');
  });

  it('reads invalid UTF-8 as windows1252', () => {
    expect(detectEncoding(encode(CSV, 'windows-1252'))).toBe('windows1252');
    expect(detectEncoding(Buffer.from([0x61, 0x80, 0x62]))).toBe('windows1252');
    // overlong encoding of "/" and an encoded surrogate are not UTF-8
    expect(detectEncoding(Buffer.from([0x61, 0xc0, 0xaf]))).toBe('windows1252');
    expect(detectEncoding(Buffer.from([0x61, 0xed, 0xa0, 0x80]))).toBe('windows1252');
  });

  it('reads UTF-16 with a BOM', () => {
    expect(detectEncoding(encode(CSV, 'utf-16le', { addBOM: true }))).toBe('utf16le');
    expect(detectEncoding(encode(CSV, 'utf-16be', { addBOM: true }))).toBe('utf16be');
  });

  it('reads UTF-16 without a BOM from its NUL pattern', () => {
    expect(detectEncoding(encode(CSV, 'utf-16le'))).toBe('utf16le');
    expect(detectEncoding(encode(CSV, 'utf-16be'))).toBe('utf16be');
  });

  it.each([
    ['PNG', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
    ['xlsx (zip)', [0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]],
    ['xls (OLE2)', [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1]],
    ['PDF', [...Buffer.from('%PDF-1.7\n')]],
    ['gzip', [0x1f, 0x8b, 0x08]],
    ['UTF-32LE', [0xff, 0xfe, 0x00, 0x00, 0x61, 0x00, 0x00, 0x00]],
    ['UTF-32BE', [0x00, 0x00, 0xfe, 0xff, 0x00, 0x00, 0x00, 0x61]],
  ])('refuses %s as binary', (_name, bytes) => {
    expect(detectEncoding(Buffer.from(bytes))).toBe('binary');
  });

  it('refuses NUL bytes and control characters that text files do not have', () => {
    expect(detectEncoding(Buffer.from('a,b\n1,\u00002\n'))).toBe('binary');
    expect(detectEncoding(Buffer.from([0x61, 0x01, 0x02, 0x03, 0x62]))).toBe('binary');
  });

  it('accepts the controls that real exports contain', () => {
    expect(detectEncoding(Buffer.from('a\tb\r\nc\fd\u000be\u001a'))).toBe('utf8');
  });
});

describe('validUtf8Length', () => {
  it('returns the full length of valid UTF-8', () => {
    const b = Buffer.from('é✔😀');
    expect(validUtf8Length(b)).toBe(b.length);
  });

  it('stops before a truncated final sequence', () => {
    const b = Buffer.from('a😀');
    expect(validUtf8Length(b.subarray(0, 3))).toBe(1);
  });

  it('returns -1 for invalid sequences', () => {
    expect(validUtf8Length(Buffer.from([0xe9, 0x61]))).toBe(-1);
    expect(validUtf8Length(Buffer.from([0xf5, 0x80, 0x80, 0x80]))).toBe(-1);
  });
});

describe('isAscii / utf8OrWindows1252', () => {
  it('tells ASCII apart', () => {
    expect(isAscii(Buffer.from('abc'))).toBe(true);
    expect(isAscii(Buffer.from('é'))).toBe(false);
  });

  it('chooses between UTF-8 and Windows-1252', () => {
    expect(utf8OrWindows1252(Buffer.from('é,x'))).toBe('utf8');
    expect(utf8OrWindows1252(encode('é,x', 'windows-1252'))).toBe('windows1252');
  });

  it('lets the majority decide when UTF-8 has stray bytes', () => {
    const mostlyUtf8 = Buffer.concat([Buffer.from('Café Crème, Léa, '), Buffer.from([0xfc]), Buffer.from('ller')]);
    expect(utf8OrWindows1252(mostlyUtf8)).toBe('utf8');
    expect(detectEncoding(mostlyUtf8)).toBe('utf8');
    // Windows-1252 text that happens to contain one valid UTF-8 pair ("Ã©") stays Windows-1252.
    const mostly1252 = encode('Café, Crème, Müller, Ã©', 'windows-1252');
    expect(utf8OrWindows1252(mostly1252)).toBe('windows1252');
    expect(detectEncoding(mostly1252)).toBe('windows1252');
  });
});

describe('utf8Evidence', () => {
  it('counts well-formed sequences and bytes that cannot be UTF-8, ignoring a cut final sequence', () => {
    expect(utf8Evidence(Buffer.from('aé✔😀'))).toEqual({ multibyte: 3, invalid: 0 });
    expect(utf8Evidence(Buffer.from([0xe9, 0x61, 0xc3, 0xa9, 0xff]))).toEqual({ multibyte: 1, invalid: 2 });
    // overlong "/" and an encoded surrogate are invalid, byte by byte
    expect(utf8Evidence(Buffer.from([0xc0, 0xaf]))).toEqual({ multibyte: 0, invalid: 2 });
    expect(utf8Evidence(Buffer.from([0xed, 0xa0, 0x80]))).toEqual({ multibyte: 0, invalid: 3 });
    expect(utf8Evidence(Buffer.from('a✔').subarray(0, 3))).toEqual({ multibyte: 0, invalid: 0 });
  });
});
