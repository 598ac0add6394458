import { Arg, Authorized, Ctx, Field, FieldResolver, ID, Int, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../../../graphql/context.js';
import { Role } from '../../auth/dashboard-user.entity.js';
import { UploadBatchType } from '../batch.types.js';
import { rollbackPreview, startRollback } from './rollback.service.js';

@ObjectType('RollbackPreview', { description: 'What rolling the batch back would do now.' })
export class RollbackPreviewType {
  @Field(() => Int, { description: 'Applied rows whose account still holds the email this batch set: restored, one event each.' })
  restorable!: number;

  @Field(() => Int, { description: 'Applied rows whose account changed since (edited, or a later batch): left as they are.' })
  conflicts!: number;

  @Field(() => Date, { description: 'The rollback is possible until then (ROLLBACK_WINDOW_DAYS after completion).' })
  availableUntil!: Date;
}

@Resolver(() => UploadBatchType)
export class RollbackResolver {
  @FieldResolver(() => RollbackPreviewType, { nullable: true, description: 'Set while the batch can be rolled back (COMPLETED, within the window).' })
  rollbackPreview(@Root() batch: UploadBatchType, @Ctx() ctx: GraphQLContext): Promise<RollbackPreviewType | null> {
    return rollbackPreview(ctx.services, batch);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => UploadBatchType, { description: 'COMPLETED → ROLLING_BACK → ROLLED_BACK, once, within the rollback window.' })
  rollbackUploadBatch(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string) {
    return startRollback(ctx.services, ctx.principal, id);
  }
}
