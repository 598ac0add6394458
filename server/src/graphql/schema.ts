import type { GraphQLSchema } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { buildSchema } from 'type-graphql';
import { AccountResolver } from '../modules/accounts/account.resolver.js';
import { AuditResolver } from '../modules/audit/audit.resolver.js';
import { ApiKeyResolver } from '../modules/auth/api-key.resolver.js';
import { MemberResolver } from '../modules/auth/member.resolver.js';
import { BatchFixResolver } from '../modules/batches/batch-fix.resolver.js';
import { ApprovalResolver } from '../modules/batches/approval.resolver.js';
import { BatchResolver, BatchRowResolver } from '../modules/batches/batch.resolver.js';
import { RollbackResolver } from '../modules/batches/rollback/rollback.resolver.js';
import { PlatformSettingsResolver } from '../modules/platforms/platform-settings.resolver.js';
import { ViewerResolver } from '../modules/platforms/viewer.resolver.js';
import { WebhookResolver } from '../modules/webhooks/webhook.resolver.js';
import { authChecker } from './auth-checker.js';

/** Every resolver of the API; the schema is built from these alone. */
export const resolvers = [
  ViewerResolver,
  PlatformSettingsResolver,
  AccountResolver,
  BatchResolver,
  BatchRowResolver,
  BatchFixResolver,
  ApprovalResolver,
  RollbackResolver,
  WebhookResolver,
  ApiKeyResolver,
  MemberResolver,
  AuditResolver,
] as const;

/** Builds the executable schema (type-graphql, explicit type functions, no reflection). */
export function createSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [...resolvers],
    authChecker,
    authMode: 'error',
    validate: false,
    // API.md names the scalar DateTime.
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    // Every subscription brings its own `subscribe` (reading the PubSubBus seam);
    // type-graphql still insists on a pubSub, so it gets one that is never used.
    pubSub: {
      publish: () => {
        throw new Error('use services.pubsub');
      },
      subscribe: () => {
        throw new Error('use services.pubsub');
      },
    },
  });
}
