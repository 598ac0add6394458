import { Migration } from '@mikro-orm/migrations';
import { dialectOf } from './dialect-of.js';
import { sqlTypes } from './sql-types.js';

/**
 * Upload bytes kept in the database (UPLOAD_STORE=database), so the worker that
 * validates a file need not be the instance that received the PUT. One row per
 * chunk of the body, in order; deleted once the batch is validated.
 */
export class Migration0004UploadChunks extends Migration {
  override async up(): Promise<void> {
    const dialect = dialectOf(this);
    const t = sqlTypes(dialect);
    // No foreign key: chunks are written while the batch row is being updated, and
    // an orphan (a crash before cleanup) is removed with its batch's next state change.
    this.addSql(`create table upload_chunk (
      batch_id ${t.id} not null,
      seq ${t.int} not null,
      data ${dialect === 'postgresql' ? 'bytea' : 'blob'} not null,
      primary key (batch_id, seq)
    )`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table upload_chunk');
  }
}
