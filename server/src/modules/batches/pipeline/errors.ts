/**
 * File-level rejections: problems that make the whole upload unusable, as opposed to row issues.
 * Every message is written for a dashboard user and says what to do next.
 */

/** Why a whole file was refused. */
export type FileErrorCode =
  | 'EMPTY_FILE'
  | 'MISSING_REQUIRED_HEADERS'
  | 'TOO_MANY_ROWS'
  | 'FILE_TOO_LARGE'
  | 'MALFORMED_CSV'
  | 'UNSUPPORTED_ENCODING';

/** Extra facts a {@link FileRejection} can carry, so the API can show them without parsing the message. */
export interface FileRejectionDetails {
  /** Spreadsheet row number where the problem starts (header = 1). */
  line?: number;
  missingHeaders?: string[];
  foundHeaders?: string[];
}

/** A file-level problem; its `message` is safe and meant to be shown to the user as is. */
export class FileRejection extends Error {
  readonly code: FileErrorCode;
  readonly line?: number;
  readonly missingHeaders?: string[];
  readonly foundHeaders?: string[];

  constructor(code: FileErrorCode, message: string, details: FileRejectionDetails = {}) {
    super(message);
    this.name = 'FileRejection';
    this.code = code;
    if (details.line !== undefined) this.line = details.line;
    if (details.missingHeaders !== undefined) this.missingHeaders = details.missingHeaders;
    if (details.foundHeaders !== undefined) this.foundHeaders = details.foundHeaders;
  }
}

// Header rows of wrong files can be huge; the message shows a readable sample, the fields keep everything.
const MAX_HEADERS_SHOWN = 20;
const MAX_HEADER_CHARS_SHOWN = 80;

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const rounded = Math.round(value * 10) / 10;
  return `${formatCount(rounded)} ${units[unit]}`;
}

function quoteHeader(h: string): string {
  const shown = h.length > MAX_HEADER_CHARS_SHOWN ? `${h.slice(0, MAX_HEADER_CHARS_SHOWN)}…` : h;
  return `"${shown}"`;
}

function listHeaders(headers: string[]): string {
  const shown = headers.slice(0, MAX_HEADERS_SHOWN).map(quoteHeader).join(', ');
  const rest = headers.length - MAX_HEADERS_SHOWN;
  return rest > 0 ? `${shown} and ${formatCount(rest)} more` : shown;
}

/** The file has no content at all, or only blank lines. */
export function emptyFileRejection(): FileRejection {
  return new FileRejection(
    'EMPTY_FILE',
    'This file is empty: it has no header row and no content. Download the template, fill in the emails and upload it again.',
  );
}

/**
 * The header row lacks required columns.
 * @param missing - required header names, spelled as in the template
 * @param found - the headers of the file, trimmed, in file order
 */
export function missingHeadersRejection(missing: string[], found: string[]): FileRejection {
  const columns = missing.length === 1 ? 'column' : 'columns';
  const foundText =
    found.filter((h) => h !== '').length === 0
      ? 'The first row of the file has no column names.'
      : `The first row of the file has these columns: ${listHeaders(found)}.`;
  return new FileRejection(
    'MISSING_REQUIRED_HEADERS',
    `This file is missing the required ${columns} ${listHeaders(missing)}. ${foundText} ` +
      'Keep the header row of the downloaded template as the first row of the file.',
    { missingHeaders: missing, foundHeaders: found },
  );
}

/** The file has more data rows than allowed. */
export function tooManyRowsRejection(limit: number): FileRejection {
  const n = formatCount(limit);
  return new FileRejection(
    'TOO_MANY_ROWS',
    `This file has more than ${n} rows. Split it into several files of at most ${n} rows each and upload them one by one.`,
  );
}

/** The file is larger than the upload size limit. */
export function fileTooLargeRejection(maxBytes: number): FileRejection {
  return new FileRejection(
    'FILE_TOO_LARGE',
    `This file is larger than ${formatBytes(maxBytes)}. Split it into several smaller files and upload them one by one.`,
  );
}

/**
 * The CSV structure is broken (typically an unclosed quote).
 * @param line - spreadsheet row number where the broken record starts
 * @param detail - what is wrong, as a lowercase clause without final period
 */
export function malformedCsvRejection(line: number, detail?: string): FileRejection {
  const why = detail ? `: ${detail}.` : '.';
  return new FileRejection(
    'MALFORMED_CSV',
    `Row ${line} of this file is not valid CSV${why} ` +
      'Check the quotes (") in that row, or re-save the file from your spreadsheet as CSV and upload it again.',
    { line },
  );
}

/** A row longer than the per-row cap (MALFORMED_CSV with the line and the cap). */
export function rowTooLongRejection(line: number, maxChars: number, insideQuotes: boolean): FileRejection {
  const quoted = insideQuotes
    ? ' It is inside a quoted value at that point: a quote (") may open a value that is closed much later, or never.'
    : '';
  return new FileRejection(
    'MALFORMED_CSV',
    `Row ${line} of this file is longer than ${maxChars.toLocaleString('en-US')} characters, the most one row may have.${quoted} ` +
      'Shorten that row or check its quotes, then upload the file again.',
    { line },
  );
}

/** The bytes are not text in an encoding we can read (a workbook, an image, UTF-32…). */
export function unsupportedEncodingRejection(): FileRejection {
  return new FileRejection(
    'UNSUPPORTED_ENCODING',
    'This file could not be read as text. Open it in your spreadsheet, save it as "CSV UTF-8 (Comma delimited) (.csv)" and upload that file.',
  );
}
