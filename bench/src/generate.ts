import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parse } from '@fast-csv/parse';
import { parseEnv } from '../../server/src/config/env.js';
import { openOrm } from '../../server/src/db/orm.js';
import { createSqlDatabase } from '../../server/src/db/sql.js';
import { seedAccounts } from '../../server/src/modules/accounts/seed-data.js';
import { type CreatedPlatform, createPlatform } from '../../server/src/modules/platforms/platform.service.js';

export const PLATFORM_NAME = 'Bench Marketplace';

/** Accounts to seed so that the template (eligible accounts only, about 97%) lists at least `rows`. */
export function accountsFor(rows: number): number {
  return Math.ceil(rows / 0.955) + 50;
}

/** Creates the platform and its deterministic accounts through the service layer (createPlatform). */
export async function seedPlatform(databaseUrl: string, accounts: number): Promise<CreatedPlatform> {
  const orm = await openOrm(parseEnv({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' }).database);
  try {
    return await createPlatform(orm.em.fork(), createSqlDatabase(orm), { name: PLATFORM_NAME, accounts });
  } finally {
    await orm.close();
  }
}

/** What the generator needs to know of an account that the template does not show. */
export interface AccountFacts {
  email: string | null;
  eligible: boolean;
}

/**
 * The seeded accounts by id (the same generator createPlatform used), and the
 * ineligible ids. With `only`, `byId` keeps just those ids: a 5,000,000-account
 * platform's map would take gigabytes, and the files name only the ids they use.
 */
export function accountFacts(accounts: number, only?: ReadonlySet<string>): { byId: Map<string, AccountFacts>; ineligible: string[] } {
  const byId = new Map<string, AccountFacts>();
  const ineligible: string[] = [];
  for (const a of seedAccounts(PLATFORM_NAME, accounts)) {
    const eligible = a.status !== 'closed' && a.status !== 'rejected';
    if (!only || only.has(a.id)) byId.set(a.id, { email: a.email, eligible });
    if (!eligible) ineligible.push(a.id);
  }
  return { byId, ineligible };
}

/** A data row of the template: Account ID, Business Name, First Name, Last Name, Email, claimed mark. */
export type TemplateRow = [string, string, string, string, string, string];

/** Data lines of a downloaded template (its cells never hold a line break). */
async function countDataLines(path: string): Promise<number> {
  let lines = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  }
  return Math.max(0, lines - 1);
}

/**
 * Reads a downloaded template (header skipped), keeping at most `keep` rows
 * spread evenly over it: every k-th row when the platform has k times more
 * accounts than the files need, so the upload touches the whole id range.
 */
export async function readTemplate(path: string, keep = Number.POSITIVE_INFINITY): Promise<{ header: string[]; rows: TemplateRow[]; total: number }> {
  const total = await countDataLines(path);
  const stride = Math.max(1, Math.floor(total / keep));
  const rows: TemplateRow[] = [];
  let header: string[] = [];
  let seen = 0;
  const parser = createReadStream(path).pipe(parse<string[], string[]>({ headers: false, ignoreEmpty: true }));
  for await (const cells of parser as AsyncIterable<string[]>) {
    if (header.length === 0) header = cells.map((c) => c.replace(/^\uFEFF/, ''));
    else if (seen++ % stride === 0 && rows.length < keep) rows.push([cells[0], cells[1], cells[2], cells[3], cells[4], cells[5]] as TemplateRow);
  }
  return { header, rows, total };
}

export type Change = 'ADD' | 'REPLACE' | 'UNCHANGED' | 'SKIPPED' | 'INVALID';

export interface GeneratedUpload {
  path: string;
  rows: number;
  bytes: number;
  /** Rows per change the server should report once validated. */
  expected: Record<Change, number>;
}

/** mulberry32: deterministic, so every run and every database gets the same file. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function csvCell(v: string): string {
  return /[",\r\n]|^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

class CsvWriter {
  bytes = 0;
  private readonly out;
  private buffer: string[] = [];
  constructor(path: string) {
    this.out = createWriteStream(path);
  }
  async line(cells: readonly string[]): Promise<void> {
    this.buffer.push(`${cells.map(csvCell).join(',')}\r\n`);
    if (this.buffer.length >= 2_000) await this.flush();
  }
  async raw(text: string): Promise<void> {
    this.buffer.push(text);
    await this.flush();
  }
  private async flush(): Promise<void> {
    const chunk = Buffer.from(this.buffer.join(''), 'utf8');
    this.buffer = [];
    this.bytes += chunk.length;
    if (!this.out.write(chunk)) await once(this.out, 'drain');
  }
  async close(): Promise<void> {
    await this.flush();
    this.out.end();
    await once(this.out, 'finish');
  }
}

/**
 * A realistic filled-in template of `rows` data rows, as a spreadsheet saves it
 * (UTF-8 BOM, CRLF). Accounts without an email: 85% ADD, 15% left blank
 * (SKIPPED); accounts with one: 45% REPLACE, 25% the same email (UNCHANGED),
 * 30% blank. About 1% of the rows are invalid, in equal parts: a bad email, a
 * malformed account id, an unknown account, a closed or rejected account, and
 * an account given an email on two rows (both rows INVALID). 0.5% of rows have
 * a typo in First Name (NAME_MISMATCH warning). Deterministic: the first `k`
 * rows of a smaller file are the first `k` rows of a larger one.
 */
export async function writeUploadCsv(
  template: { header: string[]; rows: TemplateRow[] },
  facts: { byId: Map<string, AccountFacts>; ineligible: string[] },
  rows: number,
  path: string,
): Promise<GeneratedUpload> {
  if (template.rows.length < rows) throw new Error(`the template lists ${template.rows.length} accounts, fewer than ${rows} rows`);
  const rnd = prng(0x5eed);
  const expected: Record<Change, number> = { ADD: 0, REPLACE: 0, UNCHANGED: 0, SKIPPED: 0, INVALID: 0 };
  const out = new CsvWriter(path);
  await out.raw(`\uFEFF${template.header.map(csvCell).join(',')}\r\n`);
  let ineligibleNext = 0;
  let invalidKind = 0;
  // A valid earlier row with an email that a duplicate can name (and turn INVALID).
  let duplicable: { accountId: string; change: Change } | null = null;
  for (let i = 0; i < rows; i++) {
    const t = template.rows[i];
    const [accountId, business, first, last, , claimed] = t;
    const fact = facts.byId.get(accountId);
    if (!fact) throw new Error(`template account ${accountId} is not a seeded account`);
    const r = rnd();
    if (r < 0.01) {
      const kind = invalidKind++ % 5;
      expected.INVALID++;
      if (kind === 0) await out.line([accountId, business, first, last, `bench.${i}@@not-an-email`, claimed]);
      else if (kind === 1) await out.line([`acct-${i}!`, business, first, last, `bench.${i}@bench.example`, claimed]);
      else if (kind === 3 && ineligibleNext < facts.ineligible.length) {
        await out.line([facts.ineligible[ineligibleNext++], '', '', '', `closed.${i}@bench.example`, '✗']);
      } else if (kind === 4 && duplicable) {
        await out.line([duplicable.accountId, '', '', '', `dup.${i}@bench.example`, '✗']);
        // The earlier row becomes INVALID too (DUPLICATE_ACCOUNT on both).
        expected[duplicable.change]--;
        expected.INVALID++;
        duplicable = null;
      } else {
        let unknown = `acct_zzunknown${i.toString(36)}`;
        while (facts.byId.has(unknown)) unknown += 'z';
        await out.line([unknown, business, first, last, `ghost.${i}@bench.example`, claimed]);
      }
      continue;
    }
    const typo = rnd() < 0.005;
    const firstName = typo ? `${first || 'Nobody'}x` : first;
    const roll = rnd();
    let email = '';
    let change: Change;
    if (fact.email === null) {
      if (roll < 0.85) {
        email = `new.${i}@bench.example`;
        change = 'ADD';
      } else change = 'SKIPPED';
    } else if (roll < 0.45) {
      email = `upd.${i}@bench.example`;
      change = 'REPLACE';
    } else if (roll < 0.7) {
      email = fact.email;
      change = 'UNCHANGED';
    } else change = 'SKIPPED';
    expected[change]++;
    if (change !== 'SKIPPED') duplicable = { accountId, change };
    await out.line([accountId, business, firstName, last, email, claimed]);
  }
  await out.close();
  return { path, rows, bytes: out.bytes, expected };
}

/**
 * The webhook file: `rows` template accounts, each given a new email (ADD or
 * REPLACE), so applying it records exactly `rows` account.updated events.
 */
export async function writeAllChangesCsv(template: { header: string[]; rows: TemplateRow[] }, rows: number, path: string): Promise<GeneratedUpload> {
  const n = Math.min(rows, template.rows.length);
  const out = new CsvWriter(path);
  await out.raw(`\uFEFF${template.header.map(csvCell).join(',')}\r\n`);
  for (let i = 0; i < n; i++) {
    const [accountId, business, first, last, , claimed] = template.rows[i];
    await out.line([accountId, business, first, last, `hook.${i}@bench.example`, claimed]);
  }
  await out.close();
  return { path, rows: n, bytes: out.bytes, expected: { ADD: Number.NaN, REPLACE: Number.NaN, UNCHANGED: 0, SKIPPED: 0, INVALID: 0 } };
}
