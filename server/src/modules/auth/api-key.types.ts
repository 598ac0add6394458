import { Field, ID, InputType, ObjectType } from 'type-graphql';

@ObjectType('ApiKey', { description: 'A secret API key of the platform. The secret itself is shown once, at creation.' })
export class ApiKeyType {
  @Field(() => ID, { description: '"key_…"' })
  id!: string;

  @Field(() => String, { description: 'What the key is for, as its creator named it.' })
  name!: string;

  @Field(() => String, { description: 'The first characters of the key (sk_…), to tell keys apart.' })
  prefix!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => String, { nullable: true, description: 'Who created it: a user’s email or a key prefix; null for the command line.' })
  createdBy!: string | null;

  @Field(() => Date, { nullable: true, description: 'Last request made with the key (updated at most once a minute).' })
  lastUsedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the key was revoked; it is refused since.' })
  revokedAt!: Date | null;
}

@InputType()
export class CreateApiKeyInput {
  @Field(() => String, { description: 'What the key is for (1–100 characters), for example the integration using it.' })
  name!: string;
}

@ObjectType()
export class CreateApiKeyPayload {
  @Field(() => ApiKeyType)
  apiKey!: ApiKeyType;

  @Field(() => String, { description: 'The secret key. Shown here only: store it now.' })
  secret!: string;
}
