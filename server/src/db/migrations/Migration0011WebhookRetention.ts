import { Migration } from '@mikro-orm/migrations';

/**
 * Retention walks delivered deliveries oldest first (modules/webhooks/retention.ts): a partial
 * index holds only delivered rows, by delivery time, so each purge batch reads just what it deletes.
 * Additive (expand): the previous release ignores it. `if not exists`: an operator may build it beforehand
 * with `create index concurrently` on a large table (docs/DEPLOY.md).
 */
export class Migration0011WebhookRetention extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index if not exists webhook_delivery_delivered_idx on webhook_delivery (delivered_at) where status = 'delivered'`);
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists webhook_delivery_delivered_idx');
  }
}
