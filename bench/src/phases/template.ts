import { createWriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { format } from '@fast-csv/format';
import type { BareDb } from '../bare.js';
import type { Api } from '../client.js';
import { watchPeak } from '../machine.js';
import type { BenchServer } from '../server.js';
import { since } from '../stats.js';

export interface TemplateResult {
  ms: number;
  peakRssMb: number;
  rows: number;
  bytes: number;
}

/** GET the signed template link and read the whole body (optionally saving it). */
export async function measureTemplate(api: Api, server: BenchServer, saveTo?: string): Promise<TemplateResult> {
  const link = await api.emailTemplate();
  const peak = watchPeak(server.pid);
  const start = performance.now();
  const res = await fetch(link.url);
  if (res.status !== 200 || !res.body) throw new Error(`template answered ${res.status}`);
  let bytes = 0;
  const file = saveTo ? createWriteStream(saveTo) : null;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (file) file.write(chunk, done);
      else done();
    },
    final(done) {
      if (file) file.end(done);
      else done();
    },
  });
  await pipeline(res.body, sink);
  const ms = since(start);
  return { ms, peakRssMb: peak.stop(), rows: link.rowCount, bytes };
}

const TEMPLATE_FLOOR_PAGE = 10_000;

/**
 * The floor: the bare driver reads the same columns of the eligible accounts
 * in id order, and @fast-csv/format writes the same CSV to a counting sink.
 */
export async function templateFloor(bare: BareDb, platformId: string): Promise<number> {
  const start = performance.now();
  const csv = format<string[], string[]>({
    headers: ['Account ID', 'Business Name', 'First Name', 'Last Name', 'Email Address (please add or replace)', 'User has claimed primary user email address'],
    writeBOM: true,
    includeEndRowDelimiter: true,
  });
  const sink = new Writable({
    write(_chunk, _enc, done) {
      done();
    },
  });
  const done = pipeline(csv, sink);
  const sql = `select id, business_name, first_name, last_name, user_claimed_email from connected_account
     where platform_id = $1 and status not in ('closed', 'rejected') order by id`;
  type Rec = { id: string; business_name: string | null; first_name: string | null; last_name: string | null; user_claimed_email: number | boolean };
  const write = (r: Rec) => csv.write([r.id, r.business_name ?? '', r.first_name ?? '', r.last_name ?? '', '', r.user_claimed_email ? '✔' : '✗']);
  const drain = () => new Promise((resolve) => csv.once('drain', resolve));
  if (bare.sqlite) {
    const stmt = bare.sqlite.prepare(sql.replace('$1', '?'));
    for (const r of stmt.iterate(platformId) as IterableIterator<Rec>) if (!write(r)) await drain();
  } else {
    // Keyset pages, as the server reads it: one result of 5,000,000 rows would not fit the bench's heap.
    const page = `${sql.replace('order by id', 'and id > $2 order by id')} limit ${TEMPLATE_FLOOR_PAGE}`;
    for (let after = ''; ; ) {
      const rows = await bare.query<Rec>(page, [platformId, after]);
      for (const r of rows) if (!write(r)) await drain();
      if (rows.length < TEMPLATE_FLOOR_PAGE) break;
      after = rows[rows.length - 1].id;
    }
  }
  csv.end();
  await done;
  return since(start);
}
