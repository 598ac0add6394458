import { Migration } from '@mikro-orm/migrations';
import { dialectOf } from './dialect-of.js';
import { sqlTypes } from './sql-types.js';

/**
 * Four-eyes approval and rollback (SPEC.md, "Approval", "Rollback").
 * - `platform_settings`: one row per platform that changed its settings (none: the defaults).
 * - `batch_row.applied_version`: the account version the apply produced, so a rollback
 *   restores only accounts nobody (no edit, no later batch) touched since.
 * - `upload_batch.rolled_back`, `rollback_conflicts`: the rollback's counters.
 * - `event.is_rollback`: a row's rollback event sits beside its apply event, so the
 *   exactly-once unique key becomes (batch_id, row_number, is_rollback).
 */
export class Migration0008ApprovalRollback extends Migration {
  override async up(): Promise<void> {
    const t = sqlTypes(dialectOf(this));
    this.addSql(`create table platform_settings (
      platform_id ${t.id} primary key references platform(id) on delete cascade,
      approval_policy ${t.text} not null default 'NONE' check (approval_policy in ('NONE', 'ALWAYS', 'ABOVE_THRESHOLD')),
      approval_threshold ${t.int},
      updated_at ${t.time} not null,
      updated_by ${t.text}
    )`);
    this.addSql(`alter table batch_row add column applied_version ${t.int}`);
    this.addSql(`alter table upload_batch add column rolled_back ${t.int} not null default 0`);
    this.addSql(`alter table upload_batch add column rollback_conflicts ${t.int} not null default 0`);
    this.addSql(`alter table event add column is_rollback ${t.int} not null default 0`);
    this.addSql('drop index if exists event_batch_row_uq');
    this.addSql('create unique index event_batch_row_uq on event (batch_id, row_number, is_rollback) where batch_id is not null');
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists event_batch_row_uq');
    this.addSql('create unique index event_batch_row_uq on event (batch_id, row_number) where batch_id is not null');
    this.addSql('alter table event drop column is_rollback');
    this.addSql('alter table upload_batch drop column rollback_conflicts');
    this.addSql('alter table upload_batch drop column rolled_back');
    this.addSql('alter table batch_row drop column applied_version');
    this.addSql('drop table if exists platform_settings');
  }
}
