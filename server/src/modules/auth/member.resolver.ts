import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.js';
import { Role } from './dashboard-user.entity.js';
import { addMember, listMembers, newSetPasswordLink, removeMember, updateMemberRole } from './member.service.js';
import { AddMemberInput, AddMemberPayload, MemberType } from './member.types.js';

@Resolver()
export class MemberResolver {
  @Query(() => [MemberType], { description: 'Every dashboard user of the platform.' })
  members(@Ctx() ctx: GraphQLContext): Promise<MemberType[]> {
    return listMembers(ctx.services.db, ctx.principal.platformId);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => AddMemberPayload, { description: 'Adds a member and returns their one-use set-password link (valid 72 hours).' })
  addMember(@Arg('input', () => AddMemberInput) input: AddMemberInput, @Ctx() ctx: GraphQLContext): Promise<AddMemberPayload> {
    return addMember(ctx.services, ctx.principal, input, ctx.origin);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => String, { description: 'A new one-use set-password link for a member; earlier links stop working.' })
  createSetPasswordLink(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<string> {
    return newSetPasswordLink(ctx.services, ctx.principal, id, ctx.origin);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => MemberType, { description: 'Changes a role. A demotion ends the member’s sessions; the last ADMIN cannot be demoted (CONFLICT).' })
  updateMemberRole(@Arg('id', () => ID) id: string, @Arg('role', () => Role) role: Role, @Ctx() ctx: GraphQLContext): Promise<MemberType> {
    return updateMemberRole(ctx.services, ctx.principal, id, role);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => Boolean, { description: 'Removes a member; their sessions and sockets end at once. The last ADMIN cannot be removed (CONFLICT).' })
  removeMember(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    return removeMember(ctx.services, ctx.principal, id);
  }
}
