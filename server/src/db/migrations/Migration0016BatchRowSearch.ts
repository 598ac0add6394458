import { Migration } from '@mikro-orm/migrations';
import { dialectOf } from './dialect-of.js';
import { sqlTypes } from './sql-types.js';

/**
 * The review's substring search gets an index per batch, built on its first search
 * (modules/batches/search). Two columns of `upload_batch`:
 * - `search_indexed_at`: when the batch's index was published; null while it has none;
 * - `row_edits`: edits of the batch's rows so far. A build reads the rows over several seconds
 *   without holding the batch, then publishes only if no edit landed meanwhile (a guarded write
 *   on this counter), else it builds again.
 * PostgreSQL: the index uses pg_trgm (a contrib extension, trusted since PostgreSQL 13, so a
 * database owner may create it). Where it cannot be created the migration still succeeds and the
 * search stays a read of the batch's rows.
 */
export class Migration0016BatchRowSearch extends Migration {
  override async up(): Promise<void> {
    const dialect = dialectOf(this);
    const t = sqlTypes(dialect);
    this.addSql(`alter table upload_batch add column search_indexed_at ${t.time}`);
    this.addSql(`alter table upload_batch add column row_edits ${t.int} not null default 0`);
    // Retention finds the indexes to drop without reading every batch.
    this.addSql('create index upload_batch_search_idx on upload_batch (search_indexed_at) where search_indexed_at is not null');
    if (dialect === 'postgresql') {
      this.addSql(`do $$ begin
          create extension if not exists pg_trgm;
        exception when others then
          raise notice 'pg_trgm is not available (%): the review search reads the batch rows', sqlerrm;
        end $$`);
    }
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists upload_batch_search_idx');
    this.addSql('alter table upload_batch drop column row_edits');
    this.addSql('alter table upload_batch drop column search_indexed_at');
  }
}
