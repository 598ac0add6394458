import { Migration } from '@mikro-orm/migrations';

/**
 * Two secondary indexes of batch_row that no query needs, each paid on every
 * inserted row (validation writes 500,000 rows per large upload):
 * - batch_row_change_idx: review filters walk the primary key from the page
 *   cursor; on PostgreSQL the index even misled the planner of the duplicates
 *   pass (statistics lagging behind a new batch), 25 ms per updated row.
 * - batch_row_pending_idx: the apply walks the primary key from its cursor
 *   (`row_number > last`), so it never looks for PENDING rows by themselves.
 * Kept: batch_row_account_idx (duplicates pass: the rows of a page of
 * duplicated accounts) and batch_row_problem_idx (partial, a few % of rows).
 */
export class Migration0005BatchRowIndexes extends Migration {
  override async up(): Promise<void> {
    this.addSql('drop index if exists batch_row_change_idx');
    this.addSql('drop index if exists batch_row_pending_idx');
  }

  override async down(): Promise<void> {
    this.addSql("create index batch_row_pending_idx on batch_row (batch_id, row_number) where apply_status = 'PENDING'");
    this.addSql('create index batch_row_change_idx on batch_row (batch_id, change, row_number)');
  }
}
