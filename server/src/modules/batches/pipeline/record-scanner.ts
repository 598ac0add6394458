import { type FileRejection, malformedCsvRejection, rowTooLongRejection } from './errors.js';

/**
 * Scanner states, mirroring how @fast-csv/parse splits records: a quote opens a quoted field only as
 * the first non-space character of a field, `""` inside quotes is a literal quote, and only spaces may
 * follow a closing quote before the next delimiter or line end.
 */
const State = {
  FieldStart: 0,
  Unquoted: 1,
  Quoted: 2,
  QuoteInQuoted: 3,
  AfterQuoted: 4,
} as const;
type State = (typeof State)[keyof typeof State];

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const SPACE_RE = /\s/;

function isSpace(code: number, ch: string): boolean {
  if (code === 0x20 || code === 0x09 || code === 0x0b || code === 0x0c) return true;
  return code > 0x7f && SPACE_RE.test(ch);
}

/**
 * Follows the record structure of a CSV text fed in pieces, without keeping the text, so that the row
 * parser can (1) name the row where a broken record starts and (2) refuse a record that grows without
 * end (usually an unclosed quote) before the CSV library buffers the rest of the file.
 *
 * Record numbers count every record, blank ones included, so they are spreadsheet row numbers.
 */
export class RecordScanner {
  private state: State = State.FieldStart;
  private afterCr = false;
  private completed = 0;
  private recordChars = 0;
  private readonly delimiter: number;

  constructor(
    delimiter: string,
    private readonly maxRecordChars: number,
  ) {
    this.delimiter = delimiter.charCodeAt(0);
  }

  /** Number of records fully seen so far. */
  get completedRecords(): number {
    return this.completed;
  }

  /** Consumes the next piece of text; throws a MALFORMED_CSV FileRejection on a broken record. */
  scan(text: string): void {
    const delimiter = this.delimiter;
    for (let i = 0; i < text.length; i += 1) {
      const code = text.charCodeAt(i);
      if (this.afterCr) {
        this.afterCr = false;
        if (code === LF) continue; // second half of CRLF
      }
      this.recordChars += 1;
      if (this.recordChars > this.maxRecordChars) throw this.tooLong();
      switch (this.state) {
        case State.Quoted:
          if (code === QUOTE) this.state = State.QuoteInQuoted;
          continue;
        case State.QuoteInQuoted:
          if (code === QUOTE) {
            this.state = State.Quoted;
            continue;
          }
          this.state = State.AfterQuoted;
          break;
        default:
          break;
      }
      if (code === LF || code === CR) {
        this.endRecord(code === CR);
        continue;
      }
      if (code === delimiter) {
        this.state = State.FieldStart;
        continue;
      }
      switch (this.state) {
        case State.FieldStart:
          if (code === QUOTE) this.state = State.Quoted;
          else if (!isSpace(code, text[i])) this.state = State.Unquoted;
          break;
        case State.AfterQuoted:
          if (!isSpace(code, text[i])) {
            throw malformedCsvRejection(
              this.completed + 1,
              'a quoted value is followed by other characters before the next separator',
            );
          }
          break;
        default:
          break;
      }
    }
  }

  /** Signals the end of the text; throws when the last record is still inside quotes. */
  finish(): void {
    if (this.state === State.Quoted) {
      throw malformedCsvRejection(this.completed + 1, 'a quote (") opens a value that is never closed');
    }
  }

  private endRecord(isCr: boolean): void {
    this.completed += 1;
    this.recordChars = 0;
    this.state = State.FieldStart;
    this.afterCr = isCr;
  }

  private tooLong(): FileRejection {
    // Past the cap we cannot tell a quote that is never closed from one closed much later (a 20 MB
    // quoted field), so the message names what is certain: the cap and the line.
    return rowTooLongRejection(this.completed + 1, this.maxRecordChars, this.state === State.Quoted);
  }
}
