import { Arg, Authorized, Ctx, Int, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.js';
import { badInput } from '../../graphql/errors.js';
import { type Connection, pageSize } from '../../graphql/relay.js';
import { Role } from '../auth/dashboard-user.entity.js';
import { AUDIT_ACTIONS, isAuditAction } from './audit.actions.js';
import { type AuditEntryRecord, listAudit, listAuditActors } from './audit.store.js';
import { AuditEntryConnection } from './audit.types.js';

@Resolver()
export class AuditResolver {
  @Authorized(Role.ADMIN)
  @Query(() => AuditEntryConnection, { description: 'The platform’s audit log, newest first. ADMIN.' })
  auditLog(
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('action', () => String, { nullable: true, description: 'Only this action (one of auditActions).' }) action?: string | null,
    @Arg('actor', () => String, { nullable: true, description: 'Only this actor (an email or a key prefix).' }) actor?: string | null,
  ): Promise<Connection<AuditEntryRecord>> {
    if (action && !isAuditAction(action)) throw badInput(`Unknown action "${action.slice(0, 50)}". Known: ${AUDIT_ACTIONS.join(', ')}.`);
    if (actor && actor.length > 254) throw badInput('The actor filter is longer than 254 characters.');
    return listAudit(ctx.services.db, ctx.principal.platformId, { first: pageSize(first, 50, 200), after, action, actor });
  }

  @Authorized(Role.ADMIN)
  @Query(() => [String], { description: 'Every action the audit log records.' })
  auditActions(): string[] {
    return [...AUDIT_ACTIONS];
  }

  @Authorized(Role.ADMIN)
  @Query(() => [String], { description: 'Everyone who appears as an actor in the audit log.' })
  auditActors(@Ctx() ctx: GraphQLContext): Promise<string[]> {
    return listAuditActors(ctx.services.db, ctx.principal.platformId);
  }
}
