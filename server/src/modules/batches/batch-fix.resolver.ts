import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.js';
import { Role } from '../auth/dashboard-user.entity.js';
import { fixFileResource } from '../files/fix-file.route.js';
import { editBatchRow } from './batch-row-edit.service.js';
import { UploadBatchStatus } from './lifecycle/batch-status.js';
import { BatchRowType, EditBatchRowInput, UploadBatchType } from './batch.types.js';

/** Download links live an hour, as the other batch downloads. */
const LINK_TTL_MS = 60 * 60 * 1000;

/** Fixing rows without a new file: editing a row in the review, and the file of rows to fix. */
@Resolver(() => UploadBatchType)
export class BatchFixResolver {
  @Authorized(Role.ADMIN)
  @Mutation(() => BatchRowType, {
    description: 'Changes the email of one row of a VALIDATED batch; the row and the rows it affects are validated again.',
  })
  editBatchRow(
    @Ctx() ctx: GraphQLContext,
    @Arg('batchId', () => ID) batchId: string,
    @Arg('rowNumber', () => Int) rowNumber: number,
    @Arg('input', () => EditBatchRowInput) input: EditBatchRowInput,
  ): Promise<BatchRowType> {
    return editBatchRow(ctx.services, ctx.principal, batchId, rowNumber, input);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'Template-format CSV of the rows that need attention (invalid, warnings; after apply, conflicts and failures), to fix and upload.',
  })
  fixFileUrl(@Root() batch: UploadBatchType, @Ctx() ctx: GraphQLContext): string | null {
    if (batch.status === UploadBatchStatus.VALIDATING || batch.summary.totalRows === 0) return null;
    const token = ctx.services.links.sign({
      platformId: ctx.principal.platformId,
      resource: fixFileResource(batch.id),
      exp: Math.floor((Date.now() + LINK_TTL_MS) / 1000),
    });
    return `${ctx.origin}/files/batches/${encodeURIComponent(batch.id)}/fix?token=${encodeURIComponent(token)}`;
  }
}
