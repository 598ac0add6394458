import type { Request } from 'express';
import { readSessionCookie } from '../../http/cookies.js';
import { resolvePrincipal } from '../auth/auth.service.js';
import type { Principal } from '../auth/principal.js';
import type { Services } from '../../services.js';
import type { ErrorCode } from '../../graphql/errors.js';

/** The caller of a plain HTTP route, by the same credentials as /graphql. */
export function principalOf(services: Services, req: Request): Promise<Principal | null> {
  return resolvePrincipal(services.db.reads, req.headers.authorization, readSessionCookie(req.headers.cookie));
}

/** A JSON error body with the same codes as the GraphQL API. */
export function errorBody(code: ErrorCode, message: string) {
  return { error: { code, message } };
}
