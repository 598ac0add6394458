import { Migration } from '@mikro-orm/migrations';
import { dialectOf } from './dialect-of.js';
import { sqlTypes } from './sql-types.js';

/**
 * People and keys managed from the dashboard, and the audit log.
 * - api_key: a name, who created it, when it was last used (written at most once a minute per key).
 * - dashboard_user: last sign-in. A member added from the dashboard has no password until they use
 *   their set-password link; their password_hash holds a marker no password verifies against.
 * - password_token: one-use set-password links (only the SHA-256 of the token is stored).
 * - audit_entry: who did what and when, per platform, read newest first.
 */
export class Migration0009PeopleKeysAudit extends Migration {
  override async up(): Promise<void> {
    const t = sqlTypes(dialectOf(this));
    this.addSql(`alter table api_key add column name ${t.text}`);
    this.addSql(`alter table api_key add column created_by ${t.text}`);
    this.addSql(`alter table api_key add column last_used_at ${t.time}`);
    this.addSql('create index api_key_platform_idx on api_key (platform_id, created_at)');
    this.addSql(`alter table dashboard_user add column last_sign_in_at ${t.time}`);
    this.addSql(`create table password_token (
      token_hash ${t.id} primary key,
      user_id ${t.id} not null references dashboard_user(id) on delete cascade,
      expires_at ${t.time} not null,
      used_at ${t.time},
      created_at ${t.time} not null
    )`);
    this.addSql('create index password_token_user_idx on password_token (user_id)');
    this.addSql(`create table audit_entry (
      id ${t.id} primary key,
      platform_id ${t.id} not null references platform(id) on delete cascade,
      at ${t.time} not null,
      actor ${t.text},
      action ${t.text} not null,
      target ${t.text},
      details ${t.text}
    )`);
    // Pages are read newest first per platform, optionally for one action or one actor.
    this.addSql('create index audit_entry_platform_at_idx on audit_entry (platform_id, at, id)');
    this.addSql('create index audit_entry_platform_action_idx on audit_entry (platform_id, action, at, id)');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists audit_entry');
    this.addSql('drop table if exists password_token');
    this.addSql('alter table dashboard_user drop column last_sign_in_at');
    this.addSql('drop index if exists api_key_platform_idx');
    for (const c of ['last_used_at', 'created_by', 'name']) this.addSql(`alter table api_key drop column ${c}`);
  }
}
