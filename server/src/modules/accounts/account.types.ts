import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { connectionTypes } from '../../graphql/relay.js';

@ObjectType('ConnectedAccount', { description: 'A connected account of the platform.' })
export class ConnectedAccountType {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  businessName!: string | null;

  @Field(() => String, { nullable: true })
  firstName!: string | null;

  @Field(() => String, { nullable: true })
  lastName!: string | null;

  @Field(() => String, { nullable: true })
  email!: string | null;

  @Field(() => Boolean, { description: 'The account holder claimed their primary user email address (✔).' })
  userClaimedEmail!: boolean;

  @Field(() => Boolean, { description: 'Can receive communications: not closed or rejected.' })
  eligible!: boolean;

  @Field(() => String, { description: 'active, restricted, closed or rejected.' })
  status!: string;

  @Field(() => Date)
  updatedAt!: Date;
}

@InputType()
export class ConnectedAccountFilter {
  @Field(() => Boolean, { nullable: true, description: 'true: only accounts without an email; false: only with one.' })
  missingEmail?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  eligible?: boolean | null;

  @Field(() => String, { nullable: true, description: 'Matches id, business name, first/last name or email.' })
  search?: string | null;
}

export const { ConnectionType: ConnectedAccountConnection } = connectionTypes(
  'ConnectedAccount',
  () => ConnectedAccountType,
);

@InputType()
export class UpdateConnectedAccountInput {
  @Field(() => String, { nullable: true, description: 'The new email (same rules as uploads); null clears it.' })
  email?: string | null;
}
