import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { connectionTypes } from '../../graphql/relay.js';

/** Where a delivery (one event to one endpoint) stands. */
export enum WebhookDeliveryStatus {
  PENDING = 'PENDING',
  DELIVERED = 'DELIVERED',
  FAILED = 'FAILED',
}

registerEnumType(WebhookDeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  valuesConfig: {
    PENDING: { description: 'Waiting for its first attempt, a retry, or in flight.' },
    DELIVERED: { description: 'The endpoint answered 2xx.' },
    FAILED: { description: 'Retries used up, the endpoint answered 410, or the endpoint was disabled.' },
  },
});

@ObjectType('WebhookEndpoint', { description: 'A URL that receives the platform’s events, signed per Standard Webhooks.' })
export class WebhookEndpointType {
  @Field(() => ID, { description: '"we_…"' })
  id!: string;

  @Field(() => String)
  url!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => Boolean, { description: 'Disabled endpoints receive nothing; see disabledReason.' })
  enabled!: boolean;

  @Field(() => [String], { description: 'Event types sent to this endpoint (default ["account.updated"]).' })
  enabledEvents!: string[];

  @Field(() => String, { nullable: true, description: 'Why the endpoint was disabled (by a user, 410 Gone, or failing for days).' })
  disabledReason!: string | null;

  @Field(() => Date, { nullable: true, description: 'Start of the current run of failed attempts; null once one succeeds.' })
  failingSince!: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: 'After a rotation, the previous secret also signs until this time.',
  })
  previousSecretExpiresAt!: Date | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

@ObjectType('WebhookDeliverySummary', { description: 'Deliveries of one endpoint, per status.' })
export class WebhookDeliverySummaryType {
  @Field(() => Int)
  pending!: number;

  @Field(() => Int)
  delivered!: number;

  @Field(() => Int)
  failed!: number;
}

@ObjectType('WebhookDelivery', { description: 'One event sent to one endpoint: its attempts so far.' })
export class WebhookDeliveryType {
  @Field(() => ID)
  endpointId!: string;

  @Field(() => ID, { description: 'The event id, also the webhook-id header: stable across retries.' })
  eventId!: string;

  @Field(() => String)
  eventType!: string;

  @Field(() => WebhookDeliveryStatus)
  status!: WebhookDeliveryStatus;

  @Field(() => Int)
  attempts!: number;

  @Field(() => Int, { nullable: true, description: 'HTTP status of the last attempt; null when no response came.' })
  lastStatusCode!: number | null;

  @Field(() => String, { nullable: true, description: 'Why the last attempt failed (timeout, refused, the status…).' })
  lastError!: string | null;

  @Field(() => Int, { nullable: true, description: 'Milliseconds from request to response headers in the last attempt.' })
  lastLatencyMs!: number | null;

  @Field(() => Date, { nullable: true })
  lastAttemptAt!: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: 'PENDING: when the next attempt is due (while in flight, when it counts as lost). Null otherwise.',
  })
  nextAttemptAt!: Date | null;

  @Field(() => Date, { nullable: true })
  deliveredAt!: Date | null;

  @Field(() => Date, { description: 'When the event was queued for this endpoint.' })
  createdAt!: Date;

  /** Internal key (outbox seq) for cursors. */
  eventSeq!: number;
}

@ObjectType('Event', { description: 'An event of the platform, as delivered to webhook endpoints.' })
export class EventType {
  @Field(() => ID, { description: '"evt_…"' })
  id!: string;

  @Field(() => String, { description: 'account.updated' })
  type!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => String, { nullable: true })
  accountId!: string | null;

  @Field(() => String, { nullable: true, description: 'The upload batch whose apply recorded it, if any.' })
  uploadBatchId!: string | null;

  @Field(() => String, { description: 'The JSON body sent to endpoints, byte for byte.' })
  payload!: string;

  /** Internal key (outbox seq) for cursors. */
  seq!: number;
}

export const { ConnectionType: WebhookDeliveryConnection } = connectionTypes('WebhookDelivery', () => WebhookDeliveryType);
export const { ConnectionType: EventConnection } = connectionTypes('Event', () => EventType);

@InputType()
export class CreateWebhookEndpointInput {
  @Field(() => String, { description: 'https:// (or http://) URL; private addresses only where the server allows them.' })
  url!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => [String], { nullable: true, description: 'Default ["account.updated"].' })
  enabledEvents?: string[] | null;
}

@InputType()
export class UpdateWebhookEndpointInput {
  @Field(() => String, { nullable: true })
  url?: string | null;

  @Field(() => String, { nullable: true, description: 'An empty string clears it.' })
  description?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'false stops deliveries (pending ones fail); true resumes with events recorded from now on.',
  })
  enabled?: boolean | null;

  @Field(() => [String], { nullable: true })
  enabledEvents?: string[] | null;
}

@ObjectType('CreateWebhookEndpointPayload')
export class CreateWebhookEndpointPayload {
  @Field(() => WebhookEndpointType)
  endpoint!: WebhookEndpointType;

  @Field(() => String, { description: 'The signing secret ("whsec_…"). Shown once: store it now.' })
  secret!: string;
}

@ObjectType('RotateWebhookEndpointSecretPayload')
export class RotateWebhookEndpointSecretPayload {
  @Field(() => WebhookEndpointType)
  endpoint!: WebhookEndpointType;

  @Field(() => String, { description: 'The new signing secret. Shown once. The previous one keeps signing for 24 hours.' })
  secret!: string;
}
