import { Transform, type TransformCallback } from 'node:stream';
import { type CsvParserStream, parse } from '@fast-csv/parse';
import {
  FileRejection,
  emptyFileRejection,
  malformedCsvRejection,
  tooManyRowsRejection,
} from './errors.js';
import { RecordScanner } from './record-scanner.js';

/** A CSV record that is not blank, numbered as the spreadsheet row a user sees. */
export interface ParsedRow {
  /** Spreadsheet row number: the first record of the file is 1, blank records included. */
  rowNumber: number;
  /** Cell values exactly as in the file (unquoted, not trimmed). */
  cells: string[];
}

/** Options of {@link createRowParser}. */
export interface RowParserOptions {
  /** Refuse the file with TOO_MANY_ROWS when it has more non-blank records than this after the header. */
  maxDataRows?: number;
  /** Refuse the file with MALFORMED_CSV when one record is longer than this (default 1,000,000 characters). */
  maxRecordChars?: number;
}

/** The delimiters a spreadsheet export can use. */
export type Delimiter = ',' | ';' | '\t';

/** At most this many characters are buffered to find the header line and sniff its delimiter. */
export const HEADER_SNIFF_CHARS = 64 * 1024;
const DEFAULT_MAX_RECORD_CHARS = 1_000_000;

/**
 * Picks the delimiter of a header line: the most frequent of `,` `;` and tab outside double quotes.
 * Ties and lines without any delimiter fall back to `,` (then `;`), the template's own format.
 */
export function sniffDelimiter(headerLine: string): Delimiter {
  const counts = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === ',' || ch === ';' || ch === '\t')) counts[ch] += 1;
  }
  let best: Delimiter = ',';
  for (const d of [';', '\t'] as const) if (counts[d] > counts[best]) best = d;
  return best;
}

/**
 * Finds the first complete, non-blank line of a text that arrives in pieces. It resumes where it
 * stopped, so tiny chunks do not make the header search quadratic.
 */
class HeaderLineFinder {
  private text = '';
  private pos = 0;
  private lineStart = 0;
  private quoted = false;

  /** Everything received so far. */
  get buffered(): string {
    return this.text;
  }

  /** Adds text; returns the header line once it is complete, else null. */
  push(chunk: string): string | null {
    this.text += chunk;
    for (; this.pos < this.text.length; this.pos += 1) {
      const ch = this.text[this.pos];
      if (ch === '"') this.quoted = !this.quoted;
      else if (!this.quoted && (ch === '\n' || ch === '\r')) {
        const line = this.text.slice(this.lineStart, this.pos);
        if (line.trim() !== '') return line;
        this.lineStart = this.pos + 1;
      }
    }
    return null;
  }
}

function isBlank(cells: string[]): boolean {
  return cells.every((c) => c.trim() === '');
}

/**
 * Numbering: every record fast-csv returns counts, blank ones too (fast-csv runs with
 * `ignoreEmpty: false` and blank records are dropped here, after counting). Excel shows a blank line
 * as an empty row, so skipping blank lines without counting them would shift every later row number
 * away from what the user sees. A trailing line break ends the last record and makes no row.
 */
class RowParserTransform extends Transform {
  private head: HeaderLineFinder | null = new HeaderLineFinder();
  private csv: CsvParserStream<string[], string[]> | null = null;
  private scanner: RecordScanner | null = null;
  private records = 0;
  private headerSeen = false;
  private dataRows = 0;
  private readonly maxDataRows: number;
  private readonly maxRecordChars: number;

  constructor(opts: RowParserOptions) {
    super({ writableObjectMode: true, readableObjectMode: true });
    this.maxDataRows = opts.maxDataRows ?? Number.POSITIVE_INFINITY;
    this.maxRecordChars = opts.maxRecordChars ?? DEFAULT_MAX_RECORD_CHARS;
  }

  override _transform(chunk: unknown, _enc: BufferEncoding, done: TransformCallback): void {
    if (typeof chunk !== 'string') {
      done(new TypeError('The row parser takes decoded text; pipe the file through createDecoder() first.'));
      return;
    }
    if (this.csv) {
      this.feed(chunk, done);
      return;
    }
    const head = this.requireHead();
    const line = head.push(chunk);
    if (line === null && head.buffered.length < HEADER_SNIFF_CHARS) {
      done();
      return;
    }
    this.start(sniffDelimiter(line ?? head.buffered));
    this.feedHead(done);
  }

  override _flush(done: TransformCallback): void {
    if (this.csv) {
      this.finish(done);
      return;
    }
    const text = this.requireHead().buffered;
    if (text.trim() === '') {
      done(emptyFileRejection());
      return;
    }
    this.start(sniffDelimiter(text));
    this.feedHead((err) => (err ? done(err) : this.finish(done)));
  }

  private start(delimiter: Delimiter): void {
    this.scanner = new RecordScanner(delimiter, this.maxRecordChars);
    const csv = parse<string[], string[]>({ headers: false, delimiter, ignoreEmpty: false, objectMode: true });
    csv.on('data', (cells: string[]) => this.onRecord(cells));
    // Errors also reach the write/end callbacks; this listener only keeps them from being unhandled.
    csv.on('error', () => undefined);
    this.csv = csv;
  }

  private feedHead(done: TransformCallback): void {
    const text = this.requireHead().buffered;
    this.head = null;
    this.feed(text, done);
  }

  private feed(text: string, done: TransformCallback): void {
    const { csv, scanner } = this.requireStarted();
    try {
      scanner.scan(text);
    } catch (err) {
      done(this.toRejection(err));
      return;
    }
    csv.write(text, (err) => done(err ? this.toRejection(err) : undefined));
  }

  private finish(done: TransformCallback): void {
    const { csv, scanner } = this.requireStarted();
    try {
      scanner.finish();
    } catch (err) {
      done(this.toRejection(err));
      return;
    }
    const onError = (err: Error): void => {
      csv.off('end', onEnd);
      done(this.toRejection(err));
    };
    const onEnd = (): void => {
      csv.off('error', onError);
      done(this.headerSeen ? undefined : emptyFileRejection());
    };
    csv.once('error', onError);
    csv.once('end', onEnd);
    csv.end();
  }

  private onRecord(cells: string[]): void {
    this.records += 1;
    if (this.destroyed || isBlank(cells)) return;
    if (this.headerSeen) {
      this.dataRows += 1;
      if (this.dataRows > this.maxDataRows) {
        this.csv?.destroy();
        this.destroy(tooManyRowsRejection(this.maxDataRows));
        return;
      }
    }
    this.headerSeen = true;
    const row: ParsedRow = { rowNumber: this.records, cells };
    this.push(row);
  }

  private requireHead(): HeaderLineFinder {
    if (!this.head) throw new Error('row parser header already consumed');
    return this.head;
  }

  private requireStarted(): { csv: CsvParserStream<string[], string[]>; scanner: RecordScanner } {
    if (!this.csv || !this.scanner) throw new Error('row parser used before its delimiter was chosen');
    return { csv: this.csv, scanner: this.scanner };
  }

  // The scanner catches broken records first; a fast-csv error is a fallback with the next row as best guess.
  private toRejection(err: unknown): Error {
    if (err instanceof FileRejection) return err;
    return malformedCsvRejection(this.records + 1);
  }
}

/**
 * Creates a Transform that takes decoded text chunks (strings, e.g. from `createDecoder()`) and emits
 * one {@link ParsedRow} per non-blank CSV record, header included, in object mode with backpressure.
 *
 * The delimiter is sniffed from the first non-blank line (at most {@link HEADER_SNIFF_CHARS} characters
 * are buffered for it). Quoted fields may hold delimiters, `""` and line breaks; CRLF, LF and CR line
 * ends may be mixed. Row numbers are spreadsheet row numbers: a record spanning several lines is one
 * row, and blank records are not emitted but keep their number. Fails with FileRejection
 * `EMPTY_FILE` (no non-blank record), `MALFORMED_CSV` (with `line`), or `TOO_MANY_ROWS`.
 * A header-only file emits just the header row: deciding that it has no data is the caller's job.
 */
export function createRowParser(opts: RowParserOptions = {}): Transform {
  return new RowParserTransform(opts);
}
