import { Entity, OptionalProps, Enum, PrimaryKey, Property } from '@mikro-orm/core';

export enum Role {
  ADMIN = 'ADMIN',
  VIEWER = 'VIEWER',
}

/** A person who signs in to the dashboard of one platform. */
@Entity({ tableName: 'dashboard_user' })
export class DashboardUser {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'string', length: 40 })
  id!: string;

  @Property({ type: 'string', length: 40, fieldName: 'platform_id' })
  platformId!: string;

  /** Stored lowercased; unique across platforms so sign-in needs only the email. */
  @Property({ type: 'string', length: 254, unique: true })
  email!: string;

  @Property({ type: 'string', length: 200, hidden: true })
  passwordHash!: string;

  @Enum({ items: () => Role, type: 'string' })
  role!: Role;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', nullable: true, fieldName: 'last_sign_in_at' })
  lastSignInAt?: Date | null;
}
