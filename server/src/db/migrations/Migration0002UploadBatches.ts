import { Migration } from '@mikro-orm/migrations';
import { dialectOf } from './dialect-of.js';
import { sqlTypes } from './sql-types.js';

/** Upload batches, their rows, and the event outbox. */
export class Migration0002UploadBatches extends Migration {
  override async up(): Promise<void> {
    const t = sqlTypes(dialectOf(this));
    this.addSql(`create table upload_batch (
      id ${t.id} primary key,
      platform_id ${t.id} not null references platform(id) on delete cascade,
      status ${t.text} not null,
      filename ${t.text},
      idempotency_key ${t.text},
      created_by ${t.text},
      created_at ${t.time} not null,
      updated_at ${t.time} not null,
      expires_at ${t.time} not null,
      upload_bytes ${t.int},
      estimated_rows ${t.int},
      file_error_code ${t.text},
      file_error_message ${t.text},
      file_error_line ${t.int},
      file_error_missing ${t.text},
      file_error_found ${t.text},
      failure_message ${t.text},
      total_rows ${t.int} not null default 0,
      processed_rows ${t.int} not null default 0,
      additions ${t.int} not null default 0,
      replacements ${t.int} not null default 0,
      unchanged ${t.int} not null default 0,
      skipped ${t.int} not null default 0,
      invalid ${t.int} not null default 0,
      warnings ${t.int} not null default 0,
      issue_counts ${t.text},
      applied ${t.int} not null default 0,
      conflicts ${t.int} not null default 0,
      failed ${t.int} not null default 0,
      validated_at ${t.time},
      confirmed_at ${t.time},
      confirmed_by ${t.text},
      completed_at ${t.time}
    )`);
    this.addSql('create index upload_batch_platform_created_idx on upload_batch (platform_id, created_at, id)');
    this.addSql('create index upload_batch_status_idx on upload_batch (status)');
    this.addSql(
      'create unique index upload_batch_idempotency_uq on upload_batch (platform_id, idempotency_key) where idempotency_key is not null',
    );
    // One row per data row of the file. issue_mask has one bit per RowIssueCode so
    // filters and counts need no JSON parsing; issues holds the messages.
    this.addSql(`create table batch_row (
      batch_id ${t.id} not null references upload_batch(id) on delete cascade,
      row_number ${t.int} not null,
      account_id ${t.text},
      business_name ${t.text},
      new_email ${t.text},
      current_email ${t.text},
      change ${t.text} not null,
      issue_mask ${t.int} not null default 0,
      issues ${t.text},
      apply_status ${t.text} not null,
      primary key (batch_id, row_number)
    ) ${t.clustered}`);
    this.addSql('create index batch_row_account_idx on batch_row (batch_id, account_id)');
    this.addSql('create index batch_row_problem_idx on batch_row (batch_id, row_number) where issue_mask <> 0');
    this.addSql("create index batch_row_pending_idx on batch_row (batch_id, row_number) where apply_status = 'PENDING'");
    this.addSql('create index batch_row_change_idx on batch_row (batch_id, change, row_number)');
    // The outbox: one account.updated event per applied change, written in the
    // same transaction as the change. (batch_id, row_number) is unique so a
    // resumed apply can never record a row's event twice.
    this.addSql(`create table event (
      seq ${t.id === 'text' ? 'integer primary key autoincrement' : 'bigserial primary key'},
      id ${t.id} not null,
      platform_id ${t.id} not null references platform(id) on delete cascade,
      type ${t.text} not null,
      account_id ${t.id},
      batch_id ${t.id},
      row_number ${t.int},
      payload ${t.text} not null,
      created_at ${t.time} not null
    )`);
    this.addSql('create unique index event_id_uq on event (id)');
    this.addSql('create unique index event_batch_row_uq on event (batch_id, row_number) where batch_id is not null');
    this.addSql('create index event_platform_seq_idx on event (platform_id, seq)');
  }

  override async down(): Promise<void> {
    for (const table of ['event', 'batch_row', 'upload_batch']) this.addSql(`drop table if exists ${table}`);
  }
}
