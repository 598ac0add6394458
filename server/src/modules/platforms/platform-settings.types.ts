import { Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { enumOf } from '../batches/lifecycle/batch-status.js';

/** When a confirmed batch needs a second ADMIN (SPEC.md, "Approval (four eyes)"), declared once. */
export const APPROVAL_POLICIES = ['NONE', 'ALWAYS', 'ABOVE_THRESHOLD'] as const;
export type ApprovalPolicyValue = (typeof APPROVAL_POLICIES)[number];
export const ApprovalPolicy = enumOf(APPROVAL_POLICIES);
export type ApprovalPolicy = ApprovalPolicyValue;

registerEnumType(ApprovalPolicy, {
  name: 'ApprovalPolicy',
  description: 'NONE: confirm applies. ALWAYS: every confirmed batch awaits approval. ABOVE_THRESHOLD: when additions + replacements exceed approvalThreshold, or any row replaces a claimed email.',
});

@ObjectType('PlatformSettings', { description: 'The platform’s settings (viewer.platform.settings); ADMINs change them with updatePlatformSettings.' })
export class PlatformSettingsType {
  @Field(() => ApprovalPolicy)
  approvalPolicy!: ApprovalPolicy;

  @Field(() => Int, { nullable: true, description: 'With ABOVE_THRESHOLD: more additions + replacements than this need approval.' })
  approvalThreshold!: number | null;

  @Field(() => Date, { nullable: true, description: 'Last change; null while the defaults apply.' })
  updatedAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'Who made the last change: a user’s email or an API key’s prefix.' })
  updatedBy!: string | null;
}

@InputType()
export class UpdatePlatformSettingsInput {
  @Field(() => ApprovalPolicy, { nullable: true, description: 'Unset: unchanged.' })
  approvalPolicy?: ApprovalPolicy | null;

  @Field(() => Int, { nullable: true, description: 'Required (here or already set) with ABOVE_THRESHOLD; 0 or more.' })
  approvalThreshold?: number | null;
}
