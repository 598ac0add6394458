import { describe, expect, it } from 'vitest';
import { postgresTrigramIndex, quoted, sqliteTrigramIndex } from './trigram-index.js';

describe('trigram index SQL', () => {
  it('cannot narrow a search of fewer than three characters (code points)', () => {
    for (const dialect of [sqliteTrigramIndex, postgresTrigramIndex]) {
      expect(dialect.match('t', 'ab', '$2')).toBeNull();
      expect(dialect.match('t', '😀é', '$2')).toBeNull();
      expect(dialect.match('t', 'abc', '$2')).not.toBeNull();
    }
  });

  it('SQLite: every distinct trigram of the search, each a quoted FTS5 string, all required', () => {
    const m = sqliteTrigramIndex.match('t', 'a"bca"b', '$3');
    expect(m?.sql).toBe('select rowid from "t" where "t" match $3');
    // a"b, "bc, bca, ca" (a"b twice is asked once).
    expect(m?.value).toBe('"a""b" AND """bc" AND "bca" AND "ca"""');
    expect(sqliteTrigramIndex.match('t', 'x😀yz', '$1')?.value).toBe('"x😀y" AND "😀yz"');
  });

  it('PostgreSQL: a LIKE of the search with its wildcards escaped', () => {
    expect(postgresTrigramIndex.match('t', 'a_b%c\\d', '$4')).toEqual({
      sql: 'select rowid from "t" where body like $4',
      value: '%a\\_b\\%c\\\\d%',
    });
  });

  it('refuses a table name that is not plain letters, digits and underscores', () => {
    expect(quoted('batch_row_search_ub_Ab9')).toBe('"batch_row_search_ub_Ab9"');
    expect(() => quoted('x"; drop table y; --')).toThrow();
  });
});
