import { Migration } from '@mikro-orm/migrations';
import { dialectOf } from './dialect-of.js';
import { sqlTypes } from './sql-types.js';

/**
 * The batch history (`UploadBatch.history`): one `batch_transition` row per
 * status change, written by a trigger on `upload_batch`, so the statement that
 * changes a status is the one that records it and no code path can forget to.
 * The store sets `status_actor` and `status_note` in that same statement (null
 * for the system). `rows_purged_at` marks batches whose rows retention removed.
 */
export class Migration0007BatchTransitions extends Migration {
  override async up(): Promise<void> {
    const dialect = dialectOf(this);
    const t = sqlTypes(dialect);
    this.addSql(`alter table upload_batch add column status_actor ${t.text}`);
    this.addSql(`alter table upload_batch add column status_note ${t.text}`);
    this.addSql(`alter table upload_batch add column rows_purged_at ${t.time}`);
    this.addSql(`create table batch_transition (
      seq ${dialect === 'postgresql' ? 'bigserial primary key' : 'integer primary key autoincrement'},
      batch_id ${t.id} not null references upload_batch(id) on delete cascade,
      status ${t.text} not null,
      at ${t.time} not null,
      actor ${t.text},
      note ${t.text}
    )`);
    this.addSql('create index batch_transition_batch_idx on batch_transition (batch_id, seq)');
    const record =
      'insert into batch_transition (batch_id, status, at, actor, note) values (new.id, new.status, new.updated_at, new.status_actor, new.status_note)';
    if (dialect === 'postgresql') {
      this.addSql(`create function record_batch_transition() returns trigger language plpgsql as $fn$
        begin
          if tg_op = 'INSERT' or new.status is distinct from old.status then
            ${record};
          end if;
          return null;
        end $fn$`);
      this.addSql(
        'create trigger upload_batch_history after insert or update of status on upload_batch for each row execute function record_batch_transition()',
      );
    } else {
      this.addSql(`create trigger upload_batch_history_insert after insert on upload_batch begin ${record}; end`);
      this.addSql(
        `create trigger upload_batch_history_update after update of status on upload_batch when new.status is not old.status begin ${record}; end`,
      );
    }
    // Batches that existed before the history: their present status is their first entry.
    this.addSql(
      'insert into batch_transition (batch_id, status, at, actor, note) select id, status, updated_at, null, null from upload_batch',
    );
    // The retention sweep looks for ended batches by status and age.
    this.addSql('create index upload_batch_status_updated_idx on upload_batch (status, updated_at)');
  }

  override async down(): Promise<void> {
    if (dialectOf(this) === 'postgresql') {
      this.addSql('drop trigger if exists upload_batch_history on upload_batch');
      this.addSql('drop function if exists record_batch_transition()');
    } else {
      this.addSql('drop trigger if exists upload_batch_history_insert');
      this.addSql('drop trigger if exists upload_batch_history_update');
    }
    this.addSql('drop index if exists upload_batch_status_updated_idx');
    this.addSql('drop table if exists batch_transition');
    for (const c of ['status_actor', 'status_note', 'rows_purged_at']) this.addSql(`alter table upload_batch drop column ${c}`);
  }
}
