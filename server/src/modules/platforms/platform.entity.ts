import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/** A platform (marketplace, SaaS) and the tenant boundary for everything else. */
@Entity({ tableName: 'platform' })
export class Platform {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'string', length: 40 })
  id!: string;

  @Property({ type: 'string', length: 200 })
  name!: string;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();
}
