import { Migration } from '@mikro-orm/migrations';
import { dialectOf } from './dialect-of.js';

/**
 * PostgreSQL, two changes to batch_row for the bulk paths (measured in docs/PERFORMANCE.md):
 *
 * - Pages keep half their space free, so the apply's and the rollback's
 * status updates (apply_status, applied_version: no index holds either) stay on the row's own
 * page as heap-only tuples: no new entry in any of the table's indexes, a third of the WAL
 * (500,000 rows: 414 → 132 MB, 24.6 → 5.6 s for the set-based status update; docs/PERFORMANCE.md).
 * Applies to pages written from now on (every new batch); older batches keep their packing.
 * - No foreign key to upload_batch: PostgreSQL checks it with one query per inserted row (a
 *   trigger), which doubled the time to COPY 500,000 rows. The only writer of batch_row
 *   (validation) inserts a batch's rows in a transaction that has just locked that batch's row
 *   (claimForChunk), and no code deletes an upload_batch (a batch's rows go by deleteRows),
 *   so the key's check and its cascade guarded nothing that happens.
 *
 * SQLite keeps both: it has no fillfactor, its key check is one primary-key probe per row, and
 * dropping a constraint there means rebuilding the table.
 */
export class Migration0013BatchRowFillfactor extends Migration {
  override async up(): Promise<void> {
    if (dialectOf(this) !== 'postgresql') return;
    this.addSql('alter table batch_row set (fillfactor = 50)');
    this.addSql('alter table batch_row drop constraint if exists batch_row_batch_id_fkey');
  }

  override async down(): Promise<void> {
    if (dialectOf(this) !== 'postgresql') return;
    this.addSql('alter table batch_row add constraint batch_row_batch_id_fkey foreign key (batch_id) references upload_batch(id) on delete cascade');
    this.addSql('alter table batch_row reset (fillfactor)');
  }
}
