import { Ctx, Field, ID, ObjectType, Query, Resolver, registerEnumType } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.js';
import { Role } from '../auth/dashboard-user.entity.js';
import { notFound } from '../../graphql/errors.js';
import { findPlatformName } from './platform.service.js';

registerEnumType(Role, { name: 'Role', description: 'ADMIN may upload, confirm and manage webhooks; VIEWER may only look.' });

@ObjectType('Platform')
export class PlatformType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;
}

@ObjectType('Viewer', { description: 'The caller: a dashboard user or an API key, always of one platform.' })
export class ViewerType {
  @Field(() => PlatformType)
  platform!: PlatformType;

  @Field(() => Role)
  role!: Role;

  @Field(() => String, { nullable: true, description: 'The signed-in user’s email; null for API keys.' })
  email!: string | null;

  @Field(() => String, { description: 'USER or API_KEY.' })
  kind!: string;
}

@Resolver()
export class ViewerResolver {
  @Query(() => ViewerType)
  async viewer(@Ctx() ctx: GraphQLContext): Promise<ViewerType> {
    const p = ctx.principal;
    const platform = await findPlatformName(ctx.services.db.reads, p.platformId);
    if (!platform) throw notFound('The platform of this credential');
    return {
      platform: { id: platform.id, name: platform.name },
      role: p.role,
      email: p.email ?? null,
      kind: p.kind === 'user' ? 'USER' : 'API_KEY',
    };
  }
}
