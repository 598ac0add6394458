import { Arg, Authorized, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.js';
import { Role } from '../auth/dashboard-user.entity.js';
import { platformSettings, updatePlatformSettings } from './platform-settings.service.js';
import { PlatformSettingsType, UpdatePlatformSettingsInput } from './platform-settings.types.js';
import { PlatformType } from './viewer.resolver.js';

@Resolver(() => PlatformType)
export class PlatformSettingsResolver {
  @FieldResolver(() => PlatformSettingsType)
  settings(@Root() _platform: PlatformType, @Ctx() ctx: GraphQLContext): Promise<PlatformSettingsType> {
    // Platform is only ever the viewer's own: read the caller's platform, never the root's id.
    return platformSettings(ctx.services, ctx.principal.platformId);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => PlatformSettingsType, { description: 'ADMIN: the approval policy. Unset fields keep their value.' })
  updatePlatformSettings(
    @Ctx() ctx: GraphQLContext,
    @Arg('input', () => UpdatePlatformSettingsInput) input: UpdatePlatformSettingsInput,
  ): Promise<PlatformSettingsType> {
    return updatePlatformSettings(ctx.services, ctx.principal, input);
  }
}
