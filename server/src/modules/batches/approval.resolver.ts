import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.js';
import { approveBatch, declineBatch } from './approval.service.js';
import { UploadBatchType } from './batch.types.js';

/**
 * Four eyes. No `@Authorized`: the service refuses API keys, VIEWERs and the
 * requester each with a FORBIDDEN that says why.
 */
@Resolver(() => UploadBatchType)
export class ApprovalResolver {
  @Mutation(() => UploadBatchType, { description: 'AWAITING_APPROVAL → APPLYING. An ADMIN user other than the one who confirmed.' })
  approveUploadBatch(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string) {
    return approveBatch(ctx.services, ctx.principal, id);
  }

  @Mutation(() => UploadBatchType, { description: 'AWAITING_APPROVAL → DECLINED, with a reason kept in the history.' })
  declineUploadBatch(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string, @Arg('reason', () => String) reason: string) {
    return declineBatch(ctx.services, ctx.principal, id, reason);
  }
}
