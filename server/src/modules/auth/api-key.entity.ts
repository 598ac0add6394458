import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * A secret API key of a platform. Only a SHA-256 of the key is stored: keys are
 * 256 random bits, so a slow hash buys nothing and would slow every request.
 */
@Entity({ tableName: 'api_key' })
export class ApiKey {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'string', length: 40 })
  id!: string;

  @Property({ type: 'string', length: 40, fieldName: 'platform_id' })
  platformId!: string;

  /** The first characters of the key, shown so people can tell keys apart. */
  @Property({ type: 'string', length: 16 })
  prefix!: string;

  @Property({ type: 'string', length: 64, unique: true, hidden: true })
  keyHash!: string;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', nullable: true })
  revokedAt?: Date | null;

  /** What the key is for, as its creator named it (null for keys made before names existed). */
  @Property({ type: 'string', nullable: true })
  name?: string | null;

  /** Who created it: a user's email, an API key's prefix, or null for the operator command line. */
  @Property({ type: 'string', nullable: true, fieldName: 'created_by' })
  createdBy?: string | null;

  /** Written at most once a minute per key, off the request path. */
  @Property({ type: 'datetime', nullable: true, fieldName: 'last_used_at' })
  lastUsedAt?: Date | null;
}
