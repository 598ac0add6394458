/**
 * Column types per dialect, so one migration text serves SQLite and PostgreSQL.
 * PostgreSQL id columns use the C collation: ids are compared byte-wise and the
 * btree stays cheap; SQLite's default BINARY collation is the same thing.
 * Tables read and written in key order (accounts by id, batch rows by row
 * number) are clustered on SQLite, so a chunk touches neighbouring pages.
 */
export interface SqlTypes {
  id: string;
  text: string;
  bool: string;
  int: string;
  bigint: string;
  time: string;
  json: string;
  /** Table option clustering rows by primary key (SQLite's WITHOUT ROWID; PostgreSQL heaps have no equivalent). */
  clustered: string;
}

export function sqlTypes(dialect: 'sqlite' | 'postgresql'): SqlTypes {
  return dialect === 'postgresql'
    ? {
        id: 'varchar(100) collate "C"',
        text: 'text',
        bool: 'boolean',
        int: 'integer',
        bigint: 'bigint',
        time: 'timestamptz',
        json: 'jsonb',
        clustered: '',
      }
    : {
        id: 'text',
        text: 'text',
        bool: 'integer',
        int: 'integer',
        bigint: 'integer',
        time: 'datetime',
        json: 'text',
        clustered: 'without rowid',
      };
}

/**
 * Columns declared with `bool`: SQLite has no boolean type and stores 0/1 in an
 * `integer` column, so the SQL seam turns these back into booleans by name.
 * A migration adding a `bool` column adds its name here.
 */
export const SQLITE_BOOLEAN_COLUMNS: ReadonlySet<string> = new Set(['user_claimed_email', 'enabled']);
