import { Migration } from '@mikro-orm/migrations';
import { dialectOf } from './dialect-of.js';
import { sqlTypes } from './sql-types.js';

/**
 * Rows per (change, issue_mask) of a validated batch, as JSON text, so review
 * totals of any change/issue-code filter are summed instead of counted. Null
 * for batches validated before this column: their totals are still counted.
 */
export class Migration0006BatchRowHistogram extends Migration {
  override async up(): Promise<void> {
    const t = sqlTypes(dialectOf(this));
    this.addSql(`alter table upload_batch add column row_histogram ${t.text}`);
  }

  override async down(): Promise<void> {
    this.addSql('alter table upload_batch drop column row_histogram');
  }
}
