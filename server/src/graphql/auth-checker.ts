import type { AuthCheckerFn } from 'type-graphql';
import type { Role } from '../modules/auth/dashboard-user.entity.js';
import type { GraphQLContext } from './context.js';
import { forbidden } from './errors.js';

/**
 * `@Authorized(Role.ADMIN)` guard. Authentication itself happens before any
 * resolver runs (the context refuses anonymous callers), so this only checks roles.
 */
export const authChecker: AuthCheckerFn<GraphQLContext, Role> = ({ context }, roles) => {
  if (roles.length === 0 || roles.includes(context.principal.role)) return true;
  throw forbidden();
};
