import type { Response } from 'express';
import { neutralizeCell } from '../batches/pipeline/formula.js';

const BOM = '\ufeff';
/** Records end with LF, the last one too: the bytes these downloads have always had. */
const EOL = '\n';

/** A cell that may start a formula (see formula.ts) or holds a character to quote; most cells are neither. */
const SUSPECT = /^'*[=+\-@\t\r]|[",\r\n|\0]/;
// `|` is quoted as @fast-csv/format (which wrote these files before) quoted it, so the bytes did not change.
const NEEDS_QUOTES = /[",\r\n|]/;

/** One CSV field (RFC 4180): quoted when it holds a quote (doubled), a comma, CR, LF or `|`; NULs dropped. */
export function csvField(value: string): string {
  const v = value.includes('\0') ? value.replace(/\0/g, '') : value;
  return NEEDS_QUOTES.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** One exported cell: formula-neutralised, then quoted. */
export function csvCell(value: string): string {
  return value === '' || !SUSPECT.test(value) ? value : csvField(neutralizeCell(value));
}

/** A page of records, each preceded by its line break (the header has none before it). */
function formatPage(rows: readonly (readonly string[])[], columns: number): string {
  let text = '';
  for (const row of rows) {
    let line = EOL + csvCell(row[0] ?? '');
    for (let i = 1; i < columns; i++) line += `,${csvCell(row[i] ?? '')}`;
    text += line;
  }
  return text;
}

/**
 * Streams CSV rows to an HTTP response page by page. Each page becomes one
 * string and one `write`: formatting row by row through a CSV stream cost
 * more than reading the rows, and wrote to the socket every few rows. The
 * next page is read while this one is sent, and no further until the socket
 * has drained, so at most two pages are in memory. UTF-8 with a BOM so Excel
 * shows ✔ and accents.
 */
export async function streamCsv(
  res: Response,
  filename: string,
  headers: readonly string[],
  nextPage: () => Promise<string[][] | null>,
): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.setHeader('Cache-Control', 'private, no-store');
  let aborted = false;
  const closed = new Promise<void>((resolve) =>
    res.once('close', () => {
      aborted = !res.writableFinished;
      resolve();
    }),
  );
  let head = BOM + headers.map(csvField).join(',');
  let next = nextPage();
  for (;;) {
    const page = await next;
    if (!page || aborted) break;
    next = nextPage();
    // Read ahead: if the client goes away meanwhile, nobody awaits this page.
    next.catch(() => undefined);
    const text = head + formatPage(page, headers.length);
    head = '';
    if (text && !res.write(text)) {
      await Promise.race([new Promise((resolve) => res.once('drain', resolve)), closed]);
      if (aborted) break;
    }
  }
  if (!aborted) res.end(head + EOL);
  await Promise.race([new Promise((resolve) => res.once('finish', resolve)), closed]);
}
