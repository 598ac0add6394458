import type { EntityManager } from '@mikro-orm/core';
import type { Logger } from '../logger.js';
import type { Principal } from '../modules/auth/principal.js';
import type { Services } from '../services.js';

/** Per-operation context: a forked EntityManager, the caller, and the app's services. */
export interface GraphQLContext {
  em: EntityManager;
  principal: Principal;
  services: Services;
  logger: Logger;
  /** Origin used to build absolute URLs (PUBLIC_URL or the request's own). */
  origin: string;
}
