import { Migration } from '@mikro-orm/migrations';
import { dialectOf } from './dialect-of.js';
import { sqlTypes } from './sql-types.js';

/**
 * Webhook endpoints, one delivery row per (endpoint, event), and the fan-out
 * cursor over the `event` outbox. See docs/WEBHOOKS.md for why fan-out is a
 * set-based `insert … select` behind one cursor rather than a cursor per endpoint.
 */
export class Migration0003Webhooks extends Migration {
  override async up(): Promise<void> {
    const t = sqlTypes(dialectOf(this));
    const yes = t.bool === 'boolean' ? 'true' : '1';
    this.addSql(`create table webhook_endpoint (
      id ${t.id} primary key,
      platform_id ${t.id} not null references platform(id) on delete cascade,
      url ${t.text} not null,
      description ${t.text},
      enabled ${t.bool} not null default ${yes},
      enabled_events ${t.text} not null default '["account.updated"]',
      secret ${t.text} not null,
      previous_secret ${t.text},
      previous_secret_expires_at ${t.time},
      from_seq ${t.bigint} not null default 0,
      failing_since ${t.time},
      disabled_reason ${t.text},
      created_at ${t.time} not null,
      updated_at ${t.time} not null
    )`);
    this.addSql('create index webhook_endpoint_platform_idx on webhook_endpoint (platform_id, created_at, id)');
    // No foreign key to event: the hot path inserts hundreds of thousands of
    // rows and the endpoint key already cascades deletes from the platform.
    // Clustered by (endpoint, seq) where the dialect can: the log and the claims
    // read one endpoint's rows in seq order.
    this.addSql(`create table webhook_delivery (
      endpoint_id ${t.id} not null references webhook_endpoint(id) on delete cascade,
      event_seq ${t.bigint} not null,
      status ${t.text} not null check (status in ('pending', 'delivered', 'failed')),
      attempts ${t.int} not null default 0,
      next_attempt_at ${t.time},
      last_attempt_at ${t.time},
      last_status_code ${t.int},
      last_error ${t.text},
      last_latency_ms ${t.int},
      delivered_at ${t.time},
      created_at ${t.time} not null,
      primary key (endpoint_id, event_seq)
    ) ${t.clustered}`);
    this.addSql('create index webhook_delivery_status_next_idx on webhook_delivery (status, next_attempt_at)');
    // The worker's claim reads one endpoint's due rows in order; the partial
    // index holds only pending rows, so delivered history does not bloat it.
    this.addSql(
      `create index webhook_delivery_due_idx on webhook_delivery (endpoint_id, next_attempt_at, event_seq) where status = 'pending'`,
    );
    // One row: every event with seq <= last_seq has been fanned out to deliveries.
    // gap_* remember a missing seq (an uncommitted or rolled-back insert) and since when.
    this.addSql(`create table webhook_fanout (
      id ${t.int} primary key,
      last_seq ${t.bigint} not null,
      gap_seq ${t.bigint},
      gap_seen_at ${t.time}
    )`);
    // Events recorded before webhooks existed have no endpoint to go to.
    this.addSql('insert into webhook_fanout (id, last_seq) select 1, coalesce(max(seq), 0) from event');
  }

  override async down(): Promise<void> {
    for (const table of ['webhook_fanout', 'webhook_delivery', 'webhook_endpoint']) this.addSql(`drop table if exists ${table}`);
  }
}
