import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { Role } from './dashboard-user.entity.js';

@ObjectType('Member', { description: 'A dashboard user of the platform.' })
export class MemberType {
  @Field(() => ID, { description: '"usr_…"' })
  id!: string;

  @Field(() => String)
  email!: string;

  @Field(() => Role)
  role!: Role;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  lastSignInAt!: Date | null;

  @Field(() => Boolean, { description: 'False until the member has used their set-password link.' })
  passwordSet!: boolean;
}

@InputType()
export class AddMemberInput {
  @Field(() => String)
  email!: string;

  @Field(() => Role)
  role!: Role;
}

@ObjectType()
export class AddMemberPayload {
  @Field(() => MemberType)
  member!: MemberType;

  @Field(() => String, { description: 'One-use link (72 hours) where the member sets their password. Hand it to them.' })
  setPasswordUrl!: string;
}
