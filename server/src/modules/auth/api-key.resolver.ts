import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.js';
import { createNamedApiKey, listApiKeys, revokeApiKey } from './api-key.service.js';
import { ApiKeyType, CreateApiKeyInput, CreateApiKeyPayload } from './api-key.types.js';
import { Role } from './dashboard-user.entity.js';

@Resolver()
export class ApiKeyResolver {
  @Authorized(Role.ADMIN)
  @Query(() => [ApiKeyType], { description: 'The platform’s API keys, revoked ones included, newest first. ADMIN.' })
  apiKeys(@Ctx() ctx: GraphQLContext): Promise<ApiKeyType[]> {
    return listApiKeys(ctx.services.db, ctx.principal.platformId);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => CreateApiKeyPayload, { description: 'Creates a named key; the secret is in this answer only.' })
  createApiKey(@Arg('input', () => CreateApiKeyInput) input: CreateApiKeyInput, @Ctx() ctx: GraphQLContext): Promise<CreateApiKeyPayload> {
    return createNamedApiKey(ctx.services, ctx.principal, input.name);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => ApiKeyType, { description: 'Revokes a key at once: HTTP 401 from its next request, open graphql-ws connections closed 4403.' })
  revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ApiKeyType> {
    return revokeApiKey(ctx.services, ctx.principal, id);
  }
}
