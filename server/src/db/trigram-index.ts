import type { SqlReads } from './sql.js';

/**
 * The SQL of a substring ("trigram") index over one text per row, per dialect. The search-index
 * store (modules/batches/search) decides when one is built, kept in step and dropped; this says
 * how. Each index is a table of its own, keyed by row number in a column named `rowid` on both
 * dialects (an FTS5 table's key has that name), so filling, deleting and dropping one is the same
 * SQL everywhere and only what differs is here; it is built in bulk and dropped whole.
 *
 * - SQLite: an FTS5 table with the trigram tokenizer. Contentless (its rowid is the row number and
 *   the text is not stored twice) and `detail=none` (no positions): 98 MB and 4 s for 500,000
 *   rows against 177 MB and 6.4 s with positions. It yields candidates (rows holding every
 *   trigram of the search), which the caller re-checks with LIKE.
 * - PostgreSQL: a plain table with a GIN index of pg_trgm's trigrams, created after the table is
 *   filled: one sorted build (13 s for 500,000 rows) instead of row-by-row GIN inserts.
 */
export interface TrigramIndexSql {
  /** Whether this database can build one (PostgreSQL: the pg_trgm extension is installed). */
  supported(db: SqlReads): Promise<boolean>;
  /** Statements creating the empty index table `name`, with the columns `rowid` (row number) and `body` (text). */
  create(name: string): string[];
  /** Statements run once the table is filled, before any search uses it. */
  finish(name: string): string[];
  /** Statements giving `from` (and what `finish` made for it) the name `to`. */
  rename(from: string, to: string): string[];
  /**
   * The row numbers of `name` that may hold `search` (lower case), as a `select` taking one
   * parameter, `param`, and that parameter's value; null when the index cannot narrow the search
   * (fewer than three characters).
   */
  match(name: string, search: string, param: string): { sql: string; value: string } | null;
}

/** Index table names are made from ids; quoted, since PostgreSQL folds unquoted names to lower case. */
export function quoted(name: string): string {
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`not a safe index table name: ${name}`);
  return `"${name}"`;
}

/** The characters of a string (code points, as the tokenizers count them). */
const charsOf = (s: string) => Array.from(s);

export const sqliteTrigramIndex: TrigramIndexSql = {
  supported: async () => true,
  create: (name) => [`create virtual table ${quoted(name)} using fts5(body, tokenize = 'trigram', content = '', contentless_delete = 1, detail = none)`],
  finish: () => [],
  rename: (from, to) => [`alter table ${quoted(from)} rename to ${quoted(to)}`],
  match(name, search, param) {
    const chars = charsOf(search);
    if (chars.length < 3) return null;
    const trigrams = new Set<string>();
    for (let i = 0; i + 3 <= chars.length; i++) trigrams.add(chars.slice(i, i + 3).join(''));
    // Each trigram a quoted FTS5 string: every character literal, `"` doubled.
    const query = [...trigrams].map((t) => `"${t.replaceAll('"', '""')}"`).join(' AND ');
    return { sql: `select rowid from ${quoted(name)} where ${quoted(name)} match ${param}`, value: query };
  },
};

export const postgresTrigramIndex: TrigramIndexSql = {
  supported: async (db) => (await db.query("select 1 as ok from pg_extension where extname = 'pg_trgm'")).length > 0,
  create: (name) => [`create table ${quoted(name)} (rowid integer primary key, body text not null)`],
  finish: (name) => [`create index ${quoted(`${name}_trgm`)} on ${quoted(name)} using gin (body gin_trgm_ops)`, `analyze ${quoted(name)}`],
  rename: (from, to) => [
    `alter table ${quoted(from)} rename to ${quoted(to)}`,
    `alter index ${quoted(`${from}_trgm`)} rename to ${quoted(`${to}_trgm`)}`,
    `alter index ${quoted(`${from}_pkey`)} rename to ${quoted(`${to}_pkey`)}`,
  ],
  match(name, search, param) {
    if (charsOf(search).length < 3) return null;
    // The default LIKE escape of PostgreSQL is the backslash.
    const value = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return { sql: `select rowid from ${quoted(name)} where body like ${param}`, value };
  },
};
