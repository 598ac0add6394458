import { Field, ID, ObjectType } from 'type-graphql';
import { connectionTypes } from '../../graphql/relay.js';

@ObjectType('AuditEntry', { description: 'One change to the platform: who, when, what. Never a secret.' })
export class AuditEntryType {
  @Field(() => ID)
  id!: string;

  @Field(() => Date)
  at!: Date;

  @Field(() => String, { nullable: true, description: 'The user’s email or the API key’s prefix; null for the system or the command line.' })
  actor!: string | null;

  @Field(() => String, { description: 'e.g. "api_key.created", "member.removed", "webhook_endpoint.updated" (see auditActions).' })
  action!: string;

  @Field(() => String, { nullable: true, description: 'What was changed: an email, a key prefix, an endpoint URL or id.' })
  target!: string | null;

  @Field(() => String, { nullable: true, description: 'What changed, as JSON text.' })
  details!: string | null;
}

export const { ConnectionType: AuditEntryConnection } = connectionTypes('AuditEntry', () => AuditEntryType);
