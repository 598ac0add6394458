/**
 * Column types per dialect, so one migration text serves SQLite and PostgreSQL.
 * PostgreSQL id columns use the C collation: ids are compared byte-wise and the
 * btree stays cheap; SQLite's default BINARY collation is the same thing.
 */
export interface SqlTypes {
  id: string;
  text: string;
  bool: string;
  int: string;
  bigint: string;
  time: string;
  json: string;
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
      }
    : {
        id: 'text',
        text: 'text',
        bool: 'integer',
        int: 'integer',
        bigint: 'integer',
        time: 'datetime',
        json: 'text',
      };
}
