import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.js';

import { pageSize } from '../../graphql/relay.js';
import { Role } from '../auth/dashboard-user.entity.js';
import { reportResource } from '../files/report.route.js';
import { templateFilterParam, templateResource, templateRowCount } from '../files/template.route.js';
import { uploadUrl } from '../files/upload.route.js';
import { searchesSubstring } from './batch-row-filter.js';
import { requestSearchIndex } from './search/search-index.js';
import { accountEmailNow, findBatchRow, listBatchRows, rowsBefore } from './batch-rows.service.js';
import { batchCreator, cancelBatch, confirmBatch, createBatch, findBatch, listBatches } from './batch.service.js';
import { batchUpdates, problemRowLists } from './batch.subscriptions.js';
import { batchHistory } from './batch.service.js';
import {
  BatchRowConnection,
  BatchRowFilter,
  BatchRowSortEnum,
  BatchRowType,
  BatchTransitionType,
  CreateUploadBatchInput,
  CreateUploadBatchPayload,
  DownloadLinkType,
  TemplateFilter,
  UploadBatchConnection,
  UploadBatchFilter,
  UploadBatchType,
} from './batch.types.js';

/** Download links live an hour: long enough for a slow network, short if leaked. */
const LINK_TTL_MS = 60 * 60 * 1000;

interface SubscriptionArgs {
  args: { id: string };
  context: GraphQLContext;
}

@Resolver(() => UploadBatchType)
export class BatchResolver {
  @Query(() => DownloadLinkType, { description: 'A link to the CSV template of every eligible account, or of those the filter keeps.' })
  async emailTemplate(
    @Ctx() ctx: GraphQLContext,
    @Arg('filter', () => TemplateFilter, { nullable: true }) filter?: TemplateFilter | null,
  ): Promise<DownloadLinkType> {
    const platformId = ctx.principal.platformId;
    const expiresAt = new Date(Date.now() + LINK_TTL_MS);
    const token = ctx.services.links.sign({ platformId, resource: templateResource(filter), exp: Math.floor(expiresAt.getTime() / 1000) });
    const param = templateFilterParam(filter);
    return {
      url: `${ctx.origin}/files/template?token=${encodeURIComponent(token)}${param ? `&filter=${param}` : ''}`,
      expiresAt,
      rowCount: await templateRowCount(ctx.services.db, platformId, filter),
    };
  }

  @Query(() => UploadBatchType, { nullable: true })
  uploadBatch(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string) {
    return findBatch(ctx.services.db, ctx.principal.platformId, id);
  }

  @Query(() => UploadBatchConnection, { description: 'Newest first.' })
  uploadBatches(
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('filter', () => UploadBatchFilter, { nullable: true }) filter?: UploadBatchFilter | null,
  ) {
    return listBatches(ctx.services.db, ctx.principal.platformId, pageSize(first, 20, 100), after, filter?.statuses);
  }

  @FieldResolver(() => BatchRowConnection, { description: 'Rows in rowNumber order (or as `sort` says).' })
  async rows(
    @Root() batch: UploadBatchType,
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('filter', () => BatchRowFilter, { nullable: true }) filter?: BatchRowFilter | null,
    @Arg('sort', () => BatchRowSortEnum, { nullable: true, description: 'ROW_NUMBER when absent; a cursor is only valid with its own sort.' })
    sort?: BatchRowSortEnum | null,
    @Arg('offset', () => Int, {
      nullable: true,
      description: 'Skip this many rows of the filtered, sorted set (after `after`, if given): a page anywhere, in either direction.',
    })
    offset?: number | null,
  ) {
    if (searchesSubstring(filter)) await requestSearchIndex(ctx.services, batch);
    return listBatchRows(ctx.services.db, batch, { first: pageSize(first, 100, 1000), after, offset, filter, sort });
  }

  @FieldResolver(() => Int, {
    nullable: true,
    description:
      'How many rows of the filtered, sorted set come before this row (its position, or where it would be if the filter leaves it out); null when the batch has no such row. Jump to a row: pass it as `offset`.',
  })
  rowPosition(
    @Root() batch: UploadBatchType,
    @Ctx() ctx: GraphQLContext,
    @Arg('rowNumber', () => Int) rowNumber: number,
    @Arg('filter', () => BatchRowFilter, { nullable: true }) filter?: BatchRowFilter | null,
    @Arg('sort', () => BatchRowSortEnum, { nullable: true }) sort?: BatchRowSortEnum | null,
  ): Promise<number | null> {
    return rowsBefore(ctx.services.db, batch, rowNumber, filter, sort);
  }

  @FieldResolver(() => BatchRowType, { nullable: true, description: 'One row by its row number; null when there is none.' })
  row(@Root() batch: UploadBatchType, @Ctx() ctx: GraphQLContext, @Arg('rowNumber', () => Int) rowNumber: number): Promise<BatchRowType | null> {
    return findBatchRow(ctx.services.db, batch.id, rowNumber);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'Who created the batch: the dashboard user’s email, or “API key sk_…” for an integrator.',
  })
  createdBy(@Root() batch: UploadBatchType, @Ctx() ctx: GraphQLContext): Promise<string | null> {
    return batchCreator(ctx.services.db, batch.id, ctx.principal.platformId);
  }

  @FieldResolver(() => [BatchTransitionType], { description: 'Every status change, oldest first.' })
  history(@Root() batch: UploadBatchType, @Ctx() ctx: GraphQLContext): Promise<BatchTransitionType[]> {
    return batchHistory(ctx.services.db, batch.id);
  }

  @FieldResolver(() => String, { nullable: true, description: 'CSV of every row with change, issues and apply status.' })
  errorReportUrl(@Root() batch: UploadBatchType, @Ctx() ctx: GraphQLContext): string | null {
    const hasRows = batch.summary.totalRows > 0 || batch.summary.processedRows > 0;
    if (!hasRows) return null;
    const resource = reportResource(batch.id);
    const token = ctx.services.links.sign({
      platformId: ctx.principal.platformId,
      resource,
      exp: Math.floor((Date.now() + LINK_TTL_MS) / 1000),
    });
    return `${ctx.origin}/files/batches/${encodeURIComponent(batch.id)}/report?token=${encodeURIComponent(token)}`;
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => CreateUploadBatchPayload)
  async createUploadBatch(
    @Ctx() ctx: GraphQLContext,
    @Arg('input', () => CreateUploadBatchInput) input: CreateUploadBatchInput,
  ): Promise<CreateUploadBatchPayload> {
    const batch = await createBatch(ctx.services, ctx.principal, input);
    return { batch, uploadUrl: uploadUrl(ctx.origin, batch.id) };
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => UploadBatchType, { description: 'Applies the batch in the background. Harmless when repeated.' })
  confirmUploadBatch(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string) {
    return confirmBatch(ctx.services, ctx.principal, id);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => UploadBatchType)
  cancelUploadBatch(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string) {
    return cancelBatch(ctx.services, ctx.principal, id);
  }

  @Subscription(() => UploadBatchType, {
    description: 'The batch now, then each change (≤ ~10/s), always the final state; completes at a terminal status.',
    subscribe: ({ args, context }: SubscriptionArgs) => batchUpdates(context.services, context.principal.platformId, args.id),
  })
  uploadBatchUpdated(@Root() batch: UploadBatchType, @Arg('id', () => ID) _id: string): UploadBatchType {
    return batch;
  }

  @Subscription(() => [BatchRowType], {
    description: 'Rows with errors or warnings as validation finds them (≤ 100 per event, ≤ ~10 events/s).',
    subscribe: ({ args, context }: SubscriptionArgs) => problemRowLists(context.services, context.principal.platformId, args.id),
  })
  uploadBatchProblemRows(@Root() rows: BatchRowType[], @Arg('id', () => ID) _id: string): BatchRowType[] {
    return rows;
  }
}


@Resolver(() => BatchRowType)
export class BatchRowResolver {
  @FieldResolver(() => String, {
    nullable: true,
    description: 'The account’s email as it is now (after an apply: what it left, or what changed it since); one lookup per row, meant for a row’s detail.',
  })
  accountEmail(@Root() row: BatchRowType, @Ctx() ctx: GraphQLContext): Promise<string | null> {
    return accountEmailNow(ctx.services.db, ctx.principal.platformId, row.accountId);
  }
}
