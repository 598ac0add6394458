import { Migration } from '@mikro-orm/migrations';
import { dialectOf } from './dialect-of.js';
import { sqlTypes } from './sql-types.js';

/**
 * Counters for the Webhooks page, so it never counts deliveries or events with `count(*)`.
 *
 * `webhook_delivery_count` (per endpoint and status) is kept by triggers: deliveries change status
 * in many places (fan-out, attempts, disabling, resend, retention, endpoint deletion), and a
 * trigger counts each in the statement that writes it. PostgreSQL: statement-level triggers with
 * transition tables append one aggregated *delta* row per key and statement. Upserting one hot
 * counter row instead would lock it until commit, and two delivery transactions touching the same
 * endpoint's statuses in different orders would deadlock. Readers sum the deltas;
 * `counts.store.ts#foldCounts` folds them every minute. SQLite: row-level triggers upsert one row
 * per key (one writer at a time: no lock to contend for).
 *
 * `event_count` (per platform and type) is kept by the event writers themselves
 * (`events/event-count.store.ts`), one upsert per statement: events are written on the apply's hot
 * path, where a per-row SQLite trigger measured +4 µs per row, and each writer's transaction
 * touches a single key, so the upsert cannot deadlock.
 */
export class Migration0015WebhookCounts extends Migration {
  override async up(): Promise<void> {
    const dialect = dialectOf(this);
    const t = sqlTypes(dialect);
    {
      const [table, source, a, b] = ['webhook_delivery_count', 'webhook_delivery', 'endpoint_id', 'status'] as const;
      const cols = `${a}, ${b}`;
      if (dialect === 'postgresql') {
        this.addSql(`create table ${table} (${a} ${t.id} not null, ${b} ${t.text} not null, n bigint not null)`);
        this.addSql(`create index ${table}_key_idx on ${table} (${a}, ${b})`);
        const fn = (name: string, body: string) =>
          this.addSql(`create function ${name}() returns trigger language plpgsql as $fn$
            begin
              insert into ${table} (${cols}, n) ${body};
              return null;
            end $fn$`);
        fn(`${table}_on_insert`, `select ${cols}, count(*) from new_rows group by ${cols}`);
        fn(`${table}_on_delete`, `select ${cols}, -count(*) from old_rows group by ${cols}`);
        fn(
          `${table}_on_update`,
          `select ${cols}, sum(d) from (select ${cols}, 1 as d from new_rows union all select ${cols}, -1 from old_rows) c
            group by ${cols} having sum(d) <> 0`,
        );
        this.addSql(
          `create trigger ${table}_insert after insert on ${source} referencing new table as new_rows for each statement execute function ${table}_on_insert()`,
        );
        this.addSql(
          `create trigger ${table}_delete after delete on ${source} referencing old table as old_rows for each statement execute function ${table}_on_delete()`,
        );
        this.addSql(
          `create trigger ${table}_update after update on ${source} referencing old table as old_rows new table as new_rows for each statement execute function ${table}_on_update()`,
        );
      } else {
        this.addSql(`create table ${table} (${a} ${t.id} not null, ${b} ${t.text} not null, n integer not null, primary key (${cols})) without rowid`);
        const bump = (row: 'new' | 'old', d: '+' | '-') =>
          `insert into ${table} (${cols}, n) values (${row}.${a}, ${row}.${b}, ${d}1) on conflict (${cols}) do update set n = n ${d} 1;`;
        this.addSql(`create trigger ${table}_insert after insert on ${source} begin ${bump('new', '+')} end`);
        this.addSql(`create trigger ${table}_delete after delete on ${source} begin ${bump('old', '-')} end`);
        this.addSql(
          `create trigger ${table}_update after update of ${cols} on ${source} when new.${a} is not old.${a} or new.${b} is not old.${b}
           begin ${bump('old', '-')} ${bump('new', '+')} end`,
        );
      }
      this.addSql(`insert into ${table} (${cols}, n) select ${cols}, count(*) from ${source} group by ${cols}`);
    }
    this.addSql(`create table event_count (
      platform_id ${t.id} not null references platform(id) on delete cascade,
      type ${t.text} not null,
      n ${t.bigint} not null,
      primary key (platform_id, type)
    ) ${t.clustered}`);
    this.addSql('insert into event_count (platform_id, type, n) select platform_id, type, count(*) from event group by platform_id, type');
  }

  override async down(): Promise<void> {
    const dialect = dialectOf(this);
    for (const op of ['insert', 'delete', 'update']) {
      if (dialect === 'postgresql') {
        this.addSql(`drop trigger if exists webhook_delivery_count_${op} on webhook_delivery`);
        this.addSql(`drop function if exists webhook_delivery_count_on_${op}()`);
      } else {
        this.addSql(`drop trigger if exists webhook_delivery_count_${op}`);
      }
    }
    this.addSql('drop table if exists webhook_delivery_count');
    this.addSql('drop table if exists event_count');
  }
}
