import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { Role } from '../auth/dashboard-user.entity.js';
import { updateAccountEmail } from './account-update.service.js';
import type { GraphQLContext } from '../../graphql/context.js';
import { pageSize } from '../../graphql/relay.js';
import { getAccount, listAccounts, toAccountType } from './account.service.js';
import {
  ConnectedAccountConnection,
  ConnectedAccountFilter,
  ConnectedAccountType,
  UpdateConnectedAccountInput,
} from './account.types.js';

@Resolver(() => ConnectedAccountType)
export class AccountResolver {
  @Query(() => ConnectedAccountConnection, {
    description: 'Every account of the platform, eligible or not, unless filtered; in id order.',
  })
  async connectedAccounts(
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('filter', () => ConnectedAccountFilter, { nullable: true }) filter?: ConnectedAccountFilter | null,
  ) {
    return listAccounts(ctx.services.db, ctx.principal.platformId, { first: pageSize(first), after, filter });
  }

  @Query(() => ConnectedAccountType, { nullable: true })
  async connectedAccount(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string) {
    const account = await getAccount(ctx.em, ctx.principal.platformId, id);
    return account ? toAccountType(account) : null;
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => ConnectedAccountType, { description: 'Sets or clears one account’s email; emits account.updated when it changes.' })
  updateConnectedAccount(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateConnectedAccountInput) input: UpdateConnectedAccountInput,
  ) {
    return updateAccountEmail(ctx.services, ctx.principal.platformId, id, input);
  }
}
