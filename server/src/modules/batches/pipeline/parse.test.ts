import { describe, expect, it } from 'vitest';
import { type ParsedRow, createRowParser, sniffDelimiter } from './parse.js';
import { runStages, simplify, split } from './test-utils.js';

async function parseText(input: string | string[], opts?: Parameters<typeof createRowParser>[0]) {
  const run = await runStages<ParsedRow>(typeof input === 'string' ? [input] : input, createRowParser(opts));
  return { rows: simplify(run.out), error: run.error };
}

describe('sniffDelimiter', () => {
  it('finds comma, semicolon and tab', () => {
    expect(sniffDelimiter('Account ID,Business Name,Email')).toBe(',');
    expect(sniffDelimiter('Account ID;Business Name;Email')).toBe(';');
    expect(sniffDelimiter('Account ID\tBusiness Name\tEmail')).toBe('\t');
  });

  it('ignores delimiters inside quotes', () => {
    expect(sniffDelimiter('"a,b,c,d";x;y')).toBe(';');
    expect(sniffDelimiter('"a;b;c";d,e,f')).toBe(',');
  });

  it('defaults to comma without delimiters or on a tie', () => {
    expect(sniffDelimiter('Account ID')).toBe(',');
    expect(sniffDelimiter('')).toBe(',');
    expect(sniffDelimiter('a,b;c')).toBe(',');
    expect(sniffDelimiter('a;b\tc')).toBe(';');
  });
});

describe('createRowParser: numbering', () => {
  it('numbers the header 1 and the first data record 2', async () => {
    expect(await parseText('h1,h2\na,b\nc,d\n')).toEqual({
      rows: [
        [1, ['h1', 'h2']],
        [2, ['a', 'b']],
        [3, ['c', 'd']],
      ],
      error: null,
    });
  });

  it('skips blank records but keeps their row numbers, as Excel shows them', async () => {
    const { rows } = await parseText('h\n\na\n   \n,,\n"",""\nb\n');
    expect(rows).toEqual([
      [1, ['h']],
      [3, ['a']],
      [7, ['b']],
    ]);
  });

  it('makes no row for a trailing line break or trailing blank lines', async () => {
    expect((await parseText('h\na\n')).rows).toEqual([[1, ['h']], [2, ['a']]]);
    expect((await parseText('h\r\na\r\n\r\n\r\n')).rows).toEqual([[1, ['h']], [2, ['a']]]);
    expect((await parseText('h\na\n  ')).rows).toEqual([[1, ['h']], [2, ['a']]]);
  });

  it('counts a record with line breaks inside quotes as one row', async () => {
    const { rows } = await parseText('h,x\n"multi\nline\r\nvalue",1\nnext,2\n');
    expect(rows).toEqual([
      [1, ['h', 'x']],
      [2, ['multi\nline\r\nvalue', '1']],
      [3, ['next', '2']],
    ]);
  });

  it('keeps true numbers when blank lines precede the header', async () => {
    expect((await parseText('\n\nh\na\n')).rows).toEqual([[3, ['h']], [4, ['a']]]);
  });

  it('emits only the header for a header-only file, without error', async () => {
    expect(await parseText('Account ID,Email Address (please add or replace)\r\n')).toEqual({
      rows: [[1, ['Account ID', 'Email Address (please add or replace)']]],
      error: null,
    });
  });
});

describe('createRowParser: CSV dialects', () => {
  it('parses quoted fields with delimiters, escaped quotes and newlines', async () => {
    const { rows } = await parseText('a,b,c\n"x, y","say ""hi""","l1\nl2"\n');
    expect(rows[1]).toEqual([2, ['x, y', 'say "hi"', 'l1\nl2']]);
  });

  it('parses CRLF, LF and CR line ends, mixed', async () => {
    const { rows } = await parseText('h\r\na\nb\rc\r\n');
    expect(rows).toEqual([
      [1, ['h']],
      [2, ['a']],
      [3, ['b']],
      [4, ['c']],
    ]);
  });

  it('parses semicolon-separated files (European Excel)', async () => {
    const { rows } = await parseText('Account ID;Email\r\nacct_1;"a;b@x.co"\r\nacct_2;1,5\r\n');
    expect(rows).toEqual([
      [1, ['Account ID', 'Email']],
      [2, ['acct_1', 'a;b@x.co']],
      [3, ['acct_2', '1,5']],
    ]);
  });

  it('parses tab-separated files', async () => {
    const { rows } = await parseText('Account ID\tEmail\nacct_1\ta, b@x.co\n');
    expect(rows).toEqual([
      [1, ['Account ID', 'Email']],
      [2, ['acct_1', 'a, b@x.co']],
    ]);
  });

  it('keeps cells as typed, spaces and short rows included', async () => {
    const { rows } = await parseText('a,b,c\n x , y\nz\n');
    expect(rows).toEqual([
      [1, ['a', 'b', 'c']],
      [2, [' x ', ' y']],
      [3, ['z']],
    ]);
  });

  it('gives the same rows whatever the chunking, one character at a time included', async () => {
    const text = 'Account ID;Name\r\n\r\nacct_1;"Fête; ""x""\r\nsuite"\r\n"acct_2" ;é\r\n';
    const whole = await parseText(text);
    expect(whole.error).toBeNull();
    expect(whole.rows).toEqual([
      [1, ['Account ID', 'Name']],
      [3, ['acct_1', 'Fête; "x"\r\nsuite']],
      [4, ['acct_2', 'é']],
    ]);
    for (const size of [1, 2, 3, 7]) expect(await parseText(split(text, size))).toEqual(whole);
  });

  it('sniffs from a header line longer than the sniff window', async () => {
    const header = Array.from({ length: 20_000 }, (_, i) => `col${i}`).join(';');
    const { rows, error } = await parseText(split(`${header}\n1;2\n`, 4096));
    expect(error).toBeNull();
    expect(rows[0][1]).toHaveLength(20_000);
    expect(rows[1]).toEqual([2, ['1', '2']]);
  });
});

describe('createRowParser: file rejections', () => {
  it.each([
    ['empty input', ''],
    ['a BOM only', '\uFEFF'],
    ['whitespace only', '  \r\n\t\n \n'],
    ['only empty cells', ',,,\n , ,\n'],
  ])('refuses %s with EMPTY_FILE', async (_name, text) => {
    const { rows, error } = await parseText(text);
    expect(rows).toEqual([]);
    expect(error?.code).toBe('EMPTY_FILE');
  });

  it('refuses no input at all with EMPTY_FILE', async () => {
    expect((await parseText([])).error?.code).toBe('EMPTY_FILE');
  });

  it('refuses an unterminated quote with MALFORMED_CSV on the row where it starts', async () => {
    const { error } = await parseText('h,x\na,1\n\nb,"never closed\nc,3\nd,4\n');
    expect(error?.code).toBe('MALFORMED_CSV');
    expect(error?.line).toBe(4);
  });

  it('refuses characters after a closing quote with MALFORMED_CSV and its row', async () => {
    const { error } = await parseText(split('h,x\na,1\nb,"q"x\nc,3\n', 3));
    expect(error?.code).toBe('MALFORMED_CSV');
    expect(error?.line).toBe(3);
  });

  it('refuses a record longer than maxRecordChars before buffering the rest', async () => {
    const { rows, error } = await parseText(split(`h\na\n"${'x'.repeat(5000)}`, 100), { maxRecordChars: 1000 });
    expect(error?.code).toBe('MALFORMED_CSV');
    expect(error?.line).toBe(3);
    expect(error?.message).toMatch(/^Row 3 of this file is longer than 1,000 characters, the most one row may have\. /);
    expect(error?.message).toContain('inside a quoted value');
    expect(rows).toEqual([[1, ['h']], [2, ['a']]]);
  });

  it('names the row cap and the line for a quoted value that is closed, but only after the cap', async () => {
    const { error } = await parseText(split(`h,x\na,1\nb,"${'x'.repeat(5000)}"\nc,3\n`, 100), { maxRecordChars: 1000 });
    expect(error?.code).toBe('MALFORMED_CSV');
    expect(error?.line).toBe(3);
    expect(error?.message).toContain('longer than 1,000 characters');
    expect(error?.message).not.toContain('never closed.');
  });

  it('refuses more data rows than maxDataRows with TOO_MANY_ROWS', async () => {
    const text = `h\n${'x\n\n'.repeat(3)}`;
    expect((await parseText(text, { maxDataRows: 3 })).error).toBeNull();
    const { error } = await parseText(`${text}y\n`, { maxDataRows: 3 });
    expect(error?.code).toBe('TOO_MANY_ROWS');
    expect(error?.message).toContain('more than 3 rows');
  });

  it('refuses Buffers: it takes decoded text', async () => {
    const run = await runStages<ParsedRow>([Buffer.from('a,b\n')], createRowParser());
    expect(run.error).toBeInstanceOf(TypeError);
  });
});

describe('createRowParser: generated inputs', () => {
  // Deterministic LCG so a failing input can be replayed.
  let seed = 7;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const ALPHABET = ['a', 'b', ',', ',', '"', '"', '\n', '\r\n', '\r', ' ', ';', '\t', 'é'];

  it('gives the same rows and errors whatever the chunking, and every refusal comes from the record scanner', async () => {
    for (let n = 0; n < 300; n += 1) {
      let text = 'h1,h2\n';
      const len = Math.floor(rand() * 40);
      for (let i = 0; i < len; i += 1) text += ALPHABET[Math.floor(rand() * ALPHABET.length)];
      const whole = await parseText(text);
      const pieces = await parseText(split(text, 1 + Math.floor(rand() * 3)));
      // Rows streamed before a refusal depend on chunking, and the caller discards them anyway.
      expect({ text, rows: whole.error ? [] : pieces.rows, error: pieces.error?.message }).toEqual({
        text,
        rows: whole.error ? [] : whole.rows,
        error: whole.error?.message,
      });
      // The scanner mirrors fast-csv: a refusal without a detail would mean fast-csv failed on its own.
      if (whole.error) expect(whole.error.message, JSON.stringify(text)).toMatch(/not valid CSV: /);
      const numbers = whole.rows.map(([rowNumber]) => rowNumber);
      expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    }
  });
});
