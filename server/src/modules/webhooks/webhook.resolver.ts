import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.js';
import { pageSize } from '../../graphql/relay.js';
import { auditActor } from '../audit/audit.store.js';
import { Role } from '../auth/dashboard-user.entity.js';
import {
  CreateWebhookEndpointInput,
  CreateWebhookEndpointPayload,
  EventConnection,
  EventType,
  RotateWebhookEndpointSecretPayload,
  UpdateWebhookEndpointInput,
  WebhookDeliveryConnection,
  WebhookDeliveryStatus,
  WebhookDeliverySummaryType,
  WebhookDeliveryType,
  WebhookEndpointType,
} from './webhook-endpoint.types.js';
import {
  createEndpoint,
  deleteEndpoint,
  deliverySummary,
  findEndpoint,
  findEvent,
  listDeliveries,
  listEndpoints,
  listEvents,
  resendEvent,
  rotateSecret,
  updateEndpoint,
} from './webhook.service.js';

/** Webhook endpoints, their delivery log, and the platform's events. Changes are ADMIN only. */
@Resolver(() => WebhookEndpointType)
export class WebhookResolver {
  @Query(() => [WebhookEndpointType], { description: 'Every webhook endpoint of the platform, oldest first.' })
  webhookEndpoints(@Ctx() ctx: GraphQLContext): Promise<WebhookEndpointType[]> {
    return listEndpoints(ctx.services.db, ctx.principal.platformId);
  }

  @Query(() => WebhookEndpointType, { nullable: true })
  webhookEndpoint(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<WebhookEndpointType | null> {
    return findEndpoint(ctx.services.db, ctx.principal.platformId, id);
  }

  @Query(() => EventConnection, { description: 'The platform’s events, newest first.' })
  events(
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('type', () => String, { nullable: true, description: 'Only events of this type (account.updated).' }) type?: string | null,
  ) {
    return listEvents(ctx.services.db, ctx.principal.platformId, { first: pageSize(first, 50, 500), after, type });
  }

  @Query(() => EventType, { nullable: true })
  event(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<EventType | null> {
    return findEvent(ctx.services.db, ctx.principal.platformId, id);
  }

  @FieldResolver(() => WebhookDeliveryConnection, { description: 'Deliveries to this endpoint, newest event first.' })
  deliveries(
    @Root() endpoint: WebhookEndpointType,
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('status', () => WebhookDeliveryStatus, { nullable: true }) status?: WebhookDeliveryStatus | null,
  ) {
    return listDeliveries(ctx.services.db, endpoint.id, { first: pageSize(first, 50, 500), after, status });
  }

  @FieldResolver(() => WebhookDeliverySummaryType, { description: 'Deliveries to this endpoint per status.' })
  deliverySummary(@Root() endpoint: WebhookEndpointType, @Ctx() ctx: GraphQLContext): Promise<WebhookDeliverySummaryType> {
    return deliverySummary(ctx.services.db, endpoint.id);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => CreateWebhookEndpointPayload, { description: 'The secret is returned here only: store it now.' })
  createWebhookEndpoint(
    @Ctx() ctx: GraphQLContext,
    @Arg('input', () => CreateWebhookEndpointInput) input: CreateWebhookEndpointInput,
  ): Promise<CreateWebhookEndpointPayload> {
    return createEndpoint(ctx.services, ctx.principal.platformId, input, auditActor(ctx.principal));
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => WebhookEndpointType)
  updateWebhookEndpoint(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateWebhookEndpointInput) input: UpdateWebhookEndpointInput,
  ): Promise<WebhookEndpointType> {
    return updateEndpoint(ctx.services, ctx.principal.platformId, id, input, auditActor(ctx.principal));
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => Boolean, { description: 'Deletes the endpoint and its delivery log.' })
  deleteWebhookEndpoint(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<boolean> {
    return deleteEndpoint(ctx.services, ctx.principal.platformId, id, auditActor(ctx.principal));
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => RotateWebhookEndpointSecretPayload, {
    description: 'A new signing secret; the previous one also signs for 24 hours.',
  })
  rotateWebhookEndpointSecret(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<RotateWebhookEndpointSecretPayload> {
    return rotateSecret(ctx.services, ctx.principal.platformId, id, auditActor(ctx.principal));
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => WebhookDeliveryType, { description: 'Sends one event to one endpoint again, now, with a fresh retry schedule.' })
  resendWebhookEvent(
    @Ctx() ctx: GraphQLContext,
    @Arg('endpointId', () => ID) endpointId: string,
    @Arg('eventId', () => ID) eventId: string,
  ): Promise<WebhookDeliveryType> {
    return resendEvent(ctx.services, ctx.principal.platformId, endpointId, eventId);
  }
}
