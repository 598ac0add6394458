import { Migration } from '@mikro-orm/migrations';
import { dialectOf } from './dialect-of.js';
import { sqlTypes } from './sql-types.js';

/**
 * Email quality and fixing rows in the review:
 * - batch_row.file_email: what the file said, set when editBatchRow first changes a row's email
 *   (null otherwise: the file's value is new_email).
 * - batch_row_email_idx: the rows of a batch by new email, for the SHARED_EMAIL pass (a walk of
 *   the groups in email order, no sort) and for an edit's cascade (the rows sharing the old or
 *   new address). Partial: skipped rows (blank email) are most of a template-sized file.
 */
export class Migration0010EmailQuality extends Migration {
  override async up(): Promise<void> {
    const t = sqlTypes(dialectOf(this));
    this.addSql(`alter table batch_row add column file_email ${t.text}`);
    this.addSql('create index batch_row_email_idx on batch_row (batch_id, new_email) where new_email is not null');
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists batch_row_email_idx');
    this.addSql('alter table batch_row drop column file_email');
  }
}
