import { encode } from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { SNIFF_BYTES, createDecoder } from './decode.js';
import { runStages, split } from './test-utils.js';

const TEXT =
  'Account ID,Business Name,First Name,Last Name,Email Address (please add or replace),User has claimed primary user email address\r\n' +
  'acct_123abc,Café Müller & Søn,Zoë,Ñúñez,zoe@example.com,✔\r\n' +
  'acct_456def,"Fête, ""Noël"" €",,,,✗\r\n';
const TEXT_1252 = TEXT.replace(/[✔✗]/g, 'x'); // Windows-1252 has no check marks

async function decode(chunks: Buffer[], opts?: { maxBytes?: number }) {
  const run = await runStages<string>(chunks, createDecoder(opts));
  return { text: run.out.join(''), chunks: run.out, error: run.error };
}

const ENCODED: [string, Buffer, string][] = [
  ['UTF-8', Buffer.from(TEXT), TEXT],
  ['UTF-8 with BOM', Buffer.from(`\uFEFF${TEXT}`), TEXT],
  ['UTF-16LE with BOM', encode(TEXT, 'utf-16le', { addBOM: true }), TEXT],
  ['UTF-16BE with BOM', encode(TEXT, 'utf-16be', { addBOM: true }), TEXT],
  ['UTF-16LE without BOM', encode(TEXT, 'utf-16le'), TEXT],
  ['UTF-16BE without BOM', encode(TEXT, 'utf-16be'), TEXT],
  ['Windows-1252', encode(TEXT_1252, 'windows-1252'), TEXT_1252],
];

describe('createDecoder', () => {
  it.each(ENCODED)('decodes %s in one chunk', async (_name, bytes, expected) => {
    const { text, error } = await decode([bytes]);
    expect(error).toBeNull();
    expect(text).toBe(expected);
  });

  it.each(ENCODED)('decodes %s fed one byte at a time', async (_name, bytes, expected) => {
    const { text, error, chunks } = await decode(split(bytes, 1));
    expect(error).toBeNull();
    expect(text).toBe(expected);
    expect(chunks.every((c) => typeof c === 'string' && c.length > 0)).toBe(true);
  });

  it('decodes multibyte characters split across chunk boundaries after the sniffed prefix', async () => {
    const long = `${'a'.repeat(SNIFF_BYTES + 1)}é✔😀\n`.repeat(3);
    const { text, error } = await decode(split(Buffer.from(`${'✔'.repeat(10)}${long}`), 7));
    expect(error).toBeNull();
    expect(text).toBe(`${'✔'.repeat(10)}${long}`);
  });

  it('chooses Windows-1252 when the first non-ASCII byte comes after the sniffed prefix', async () => {
    const body = `${'x'.repeat(SNIFF_BYTES * 2)}\nacct_1,Café €\n`;
    const { text, error } = await decode(split(encode(body, 'windows-1252'), 1000));
    expect(error).toBeNull();
    expect(text).toBe(body);
  });

  it('chooses UTF-8 when the first non-ASCII byte comes after the sniffed prefix', async () => {
    const body = `${'x'.repeat(SNIFF_BYTES * 2)}\nacct_1,Café ✔\n`;
    const { text, error } = await decode(split(Buffer.from(body), 1000));
    expect(error).toBeNull();
    expect(text).toBe(body);
  });

  it('emits nothing for a BOM-only or empty file', async () => {
    expect(await decode([Buffer.from([0xef, 0xbb, 0xbf])])).toMatchObject({ text: '', chunks: [], error: null });
    expect(await decode([])).toMatchObject({ text: '', chunks: [], error: null });
  });

  it('refuses PNG bytes with UNSUPPORTED_ENCODING', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
    const { error, chunks } = await decode([png]);
    expect(error?.code).toBe('UNSUPPORTED_ENCODING');
    expect(chunks).toEqual([]);
  });

  it('refuses a zip (xlsx) file', async () => {
    const { error } = await decode([Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100, 1)])]);
    expect(error?.code).toBe('UNSUPPORTED_ENCODING');
  });

  it('refuses NUL bytes that appear after the sniffed prefix', async () => {
    const bytes = Buffer.concat([Buffer.from('a,b\n'.repeat(SNIFF_BYTES)), Buffer.from([0x00, 0x61])]);
    const { error } = await decode(split(bytes, 4096));
    expect(error?.code).toBe('UNSUPPORTED_ENCODING');
  });

  it('refuses NUL bytes in a Windows-1252 file', async () => {
    const { error } = await decode([Buffer.from([0x61, 0xe9, 0x0a]), Buffer.alloc(SNIFF_BYTES, 0x61), Buffer.from([0x00])]);
    expect(error?.code).toBe('UNSUPPORTED_ENCODING');
  });

  it('buffers at most the sniffed prefix before emitting text', () => {
    const decoder = createDecoder();
    const chunk = Buffer.alloc(1024, 0x61);
    let written = 0;
    while (decoder.readableLength === 0 && written < SNIFF_BYTES * 4) {
      decoder.write(chunk);
      written += chunk.length;
    }
    expect(written).toBe(SNIFF_BYTES);
    decoder.destroy();
  });

  it('refuses a file over maxBytes with FILE_TOO_LARGE', async () => {
    const { error } = await decode(split(Buffer.alloc(5000, 0x61), 1000), { maxBytes: 4096 });
    expect(error?.code).toBe('FILE_TOO_LARGE');
    expect((await decode([Buffer.alloc(4096, 0x61)], { maxBytes: 4096 })).error).toBeNull();
  });

  it('replaces invalid UTF-8 found after the choice was made, instead of refusing the file', async () => {
    const valid = `é\n${'a'.repeat(SNIFF_BYTES)}`;
    const { text, error } = await decode([Buffer.from(valid), Buffer.from([0x61, 0xff, 0x62])]);
    expect(error).toBeNull();
    expect(text).toBe(`${valid}a\uFFFDb`);
  });

  // Corpus case invalid-utf8.csv: a UTF-8 file with one Windows-1252 byte was read entirely as
  // Windows-1252, so "omar@şirket.example" became the valid but wrong "omar@åÿirket.example".
  it('keeps a mostly UTF-8 file UTF-8 when a stray byte comes early; only that byte is replaced', async () => {
    const bytes = Buffer.concat([
      Buffer.from('acct_1,Café Crème,Léa\nacct_2,M'),
      Buffer.from([0xfc]), // "ü" in Windows-1252
      Buffer.from('ller,omar@şirket.example\n'),
    ]);
    for (const chunks of [[bytes], split(bytes, 1)]) {
      const { text, error } = await decode(chunks);
      expect(error).toBeNull();
      expect(text).toBe('acct_1,Café Crème,Léa\nacct_2,M\uFFFDller,omar@şirket.example\n');
    }
  });
});
