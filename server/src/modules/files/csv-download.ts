import { format } from '@fast-csv/format';
import type { Response } from 'express';
import { neutralizeCell } from '../batches/pipeline/formula.js';

/**
 * Streams CSV rows to an HTTP response with fast-csv, page by page, honouring
 * backpressure: `nextPage` is called only when the socket has drained, so at
 * most one page is in memory. UTF-8 with a BOM so Excel shows ✔ and accents.
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
  const csv = format<string[], string[]>({ headers: [...headers], writeBOM: true, includeEndRowDelimiter: true });
  csv.pipe(res);
  const closed = new Promise<void>((resolve) => res.once('close', resolve));
  let aborted = false;
  res.once('close', () => {
    aborted = !res.writableFinished;
  });
  for (;;) {
    const page = await nextPage();
    if (!page || aborted) break;
    for (const row of page) {
      if (!csv.write(row.map(neutralizeCell))) {
        await Promise.race([new Promise((resolve) => csv.once('drain', resolve)), closed]);
        if (aborted) break;
      }
    }
  }
  csv.end();
  await Promise.race([new Promise((resolve) => res.once('finish', resolve)), closed]);
}
