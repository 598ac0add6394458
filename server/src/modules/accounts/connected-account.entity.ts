import { Entity, OptionalProps, Enum, PrimaryKey, Property } from '@mikro-orm/core';

export enum AccountStatus {
  ACTIVE = 'active',
  RESTRICTED = 'restricted',
  CLOSED = 'closed',
  REJECTED = 'rejected',
}

/**
 * A connected account of a platform. The key is (platform, id): account ids are
 * only meaningful within their platform, and every bulk lookup starts from one.
 */
@Entity({ tableName: 'connected_account' })
export class ConnectedAccount {
  [OptionalProps]?: 'userClaimedEmail' | 'status' | 'version' | 'updatedAt' | 'eligible';

  @PrimaryKey({ type: 'string', length: 40, fieldName: 'platform_id' })
  platformId!: string;

  @PrimaryKey({ type: 'string', length: 80 })
  id!: string;

  @Property({ type: 'string', length: 300, nullable: true })
  businessName?: string | null;

  @Property({ type: 'string', length: 200, nullable: true })
  firstName?: string | null;

  @Property({ type: 'string', length: 200, nullable: true })
  lastName?: string | null;

  @Property({ type: 'string', length: 254, nullable: true })
  email?: string | null;

  @Property({ type: 'boolean' })
  userClaimedEmail = false;

  @Enum({ items: () => AccountStatus, type: 'string' })
  status: AccountStatus = AccountStatus.ACTIVE;

  /** Bumped on every email change; bulk apply compares emails, single edits compare this. */
  @Property({ type: 'integer' })
  version = 1;

  @Property({ type: 'datetime' })
  updatedAt: Date = new Date();

  get eligible(): boolean {
    return this.status !== AccountStatus.CLOSED && this.status !== AccountStatus.REJECTED;
  }
}

export function isEligibleStatus(status: string): boolean {
  return status !== AccountStatus.CLOSED && status !== AccountStatus.REJECTED;
}
