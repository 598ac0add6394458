import { Migration } from '@mikro-orm/migrations';
import { dialectOf } from './dialect-of.js';
import { sqlTypes } from './sql-types.js';

/** Tenants, people, keys, sessions and connected accounts. */
export class Migration0001Foundation extends Migration {
  override async up(): Promise<void> {
    const t = sqlTypes(dialectOf(this));
    this.addSql(`create table platform (
      id ${t.id} primary key,
      name ${t.text} not null,
      created_at ${t.time} not null
    )`);
    this.addSql(`create table dashboard_user (
      id ${t.id} primary key,
      platform_id ${t.id} not null references platform(id) on delete cascade,
      email ${t.text} not null,
      password_hash ${t.text} not null,
      role ${t.text} not null check (role in ('ADMIN', 'VIEWER')),
      created_at ${t.time} not null
    )`);
    this.addSql('create unique index dashboard_user_email_uq on dashboard_user (email)');
    this.addSql('create index dashboard_user_platform_idx on dashboard_user (platform_id)');
    this.addSql(`create table api_key (
      id ${t.id} primary key,
      platform_id ${t.id} not null references platform(id) on delete cascade,
      prefix ${t.text} not null,
      key_hash ${t.id} not null,
      created_at ${t.time} not null,
      revoked_at ${t.time}
    )`);
    this.addSql('create unique index api_key_hash_uq on api_key (key_hash)');
    this.addSql(`create table session (
      token_hash ${t.id} primary key,
      user_id ${t.id} not null references dashboard_user(id) on delete cascade,
      expires_at ${t.time} not null,
      created_at ${t.time} not null
    )`);
    this.addSql('create index session_user_idx on session (user_id)');
    // The primary key (platform_id, id) serves both bulk lookups by id and listing in id order.
    this.addSql(`create table connected_account (
      platform_id ${t.id} not null references platform(id) on delete cascade,
      id ${t.id} not null,
      business_name ${t.text},
      first_name ${t.text},
      last_name ${t.text},
      email ${t.text},
      user_claimed_email ${t.bool} not null default ${t.bool === 'boolean' ? 'false' : '0'},
      status ${t.text} not null check (status in ('active', 'restricted', 'closed', 'rejected')),
      version ${t.int} not null default 1,
      updated_at ${t.time} not null,
      primary key (platform_id, id)
    ) ${t.clustered}`);
  }

  override async down(): Promise<void> {
    for (const table of ['connected_account', 'session', 'api_key', 'dashboard_user', 'platform']) {
      this.addSql(`drop table if exists ${table}`);
    }
  }
}
