import { Migration } from '@mikro-orm/migrations';
import { dialectOf } from './dialect-of.js';
import { sqlTypes } from './sql-types.js';

/**
 * Fixing rows in the review: batch_row.file_email, what the file said, set when editBatchRow first
 * changes a row's email (null otherwise: the file's value is new_email).
 *
 * No index on new_email: measured on 100,000 rows, a (batch_id, new_email) index cost +45 % insert
 * CPU during validation and made the SHARED_EMAIL grouping slower, not faster (a walk of the index
 * with a table lookup per row against one sort). An edit's cascade scans its batch instead.
 */
export class Migration0010EmailQuality extends Migration {
  override async up(): Promise<void> {
    const t = sqlTypes(dialectOf(this));
    this.addSql(`alter table batch_row add column file_email ${t.text}`);
  }

  override async down(): Promise<void> {
    this.addSql('alter table batch_row drop column file_email');
  }
}
