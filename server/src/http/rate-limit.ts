import { createRequire } from 'node:module';
import { type ApolloServerPlugin, HeaderMap } from '@apollo/server';
import type { DocumentNode, FragmentDefinitionNode, GraphQLError, OperationDefinitionNode, SelectionSetNode } from 'graphql';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Env } from '../config/env.js';
import type { GraphQLContext } from '../graphql/context.js';
import { apiError, type ErrorCode } from '../graphql/errors.js';
import { Role } from '../modules/auth/dashboard-user.entity.js';
import type { Principal } from '../modules/auth/principal.js';
import { graphqlRuntime } from './graphql-runtime.js';

const { Kind } = graphqlRuntime;

/** The `extensions.code` (GraphQL) and `error.code` (plain HTTP) of a request refused by a rate limit. */
export const RATE_LIMITED = 'RATE_LIMITED' satisfies ErrorCode;

/** The mutation whose calls are counted per platform. */
const BATCH_CREATE_FIELD = 'createUploadBatch';

/**
 * The counters. Without REDIS_URL they live in this process's memory. With it they live in Redis
 * (the same library's Redis store, keys `<REDIS_PREFIX>:rl:*`), so every instance counts against one
 * allowance; if Redis does not answer, each process falls back to its own memory count (the
 * library's insurance limiter) rather than refusing every sign-in.
 */
export interface RateLimiters {
  /** Failed sign-ins per client IP + email. */
  signIn: RateLimiterAbstract;
  /** Failed sign-ins per email, from any address. */
  signInEmail: RateLimiterAbstract;
  /** Failed sign-ins and set-password attempts per client address, any email. */
  signInAddress: RateLimiterAbstract;
  /** Upload batches created per platform. */
  batchCreate: RateLimiterAbstract;
  env: Pick<
    Env,
    | 'SIGN_IN_RATE_LIMIT'
    | 'SIGN_IN_EMAIL_RATE_LIMIT'
    | 'SIGN_IN_ADDRESS_RATE_LIMIT'
    | 'SIGN_IN_RATE_WINDOW_SECONDS'
    | 'BATCH_CREATE_RATE_LIMIT'
    | 'BATCH_CREATE_RATE_WINDOW_SECONDS'
  >;
  /** Ends the Redis connection, if any. */
  close(): Promise<void>;
}

export function createRateLimiters(env: Env): RateLimiters {
  const signIn = { keyPrefix: 'sign-in', points: env.SIGN_IN_RATE_LIMIT, duration: env.SIGN_IN_RATE_WINDOW_SECONDS };
  const signInEmail = { keyPrefix: 'sign-in-email', points: env.SIGN_IN_EMAIL_RATE_LIMIT, duration: env.SIGN_IN_RATE_WINDOW_SECONDS };
  const signInAddress = { keyPrefix: 'sign-in-address', points: env.SIGN_IN_ADDRESS_RATE_LIMIT, duration: env.SIGN_IN_RATE_WINDOW_SECONDS };
  const batchCreate = { keyPrefix: 'batch-create', points: env.BATCH_CREATE_RATE_LIMIT, duration: env.BATCH_CREATE_RATE_WINDOW_SECONDS };
  if (!env.REDIS_URL) {
    return {
      signIn: new RateLimiterMemory(signIn),
      signInEmail: new RateLimiterMemory(signInEmail),
      signInAddress: new RateLimiterMemory(signInAddress),
      batchCreate: new RateLimiterMemory(batchCreate),
      env,
      close: async () => {},
    };
  }
  // Loaded only with REDIS_URL: the embedded server does not carry a Redis client. (ioredis is
  // CommonJS, so `require` keeps this factory synchronous.)
  const { Redis } = createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
  // A request never waits long for Redis: past 500 ms the insurance limiter answers.
  const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 1, commandTimeout: 500 });
  redis.on('error', () => undefined); // reconnects by itself; the limiter falls back meanwhile
  const inRedis = (o: typeof signIn) =>
    new RateLimiterRedis({
      ...o,
      storeClient: redis,
      keyPrefix: `${env.REDIS_PREFIX}:rl:${o.keyPrefix}`,
      insuranceLimiter: new RateLimiterMemory(o),
    });
  return {
    signIn: inRedis(signIn),
    signInEmail: inRedis(signInEmail),
    signInAddress: inRedis(signInAddress),
    batchCreate: inRedis(batchCreate),
    env,
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/**
 * Takes `points` from `key`. Returns null when allowed, else the whole seconds to wait (at least 1,
 * what a Retry-After header carries).
 */
export async function take(limiter: RateLimiterAbstract, key: string, points = 1): Promise<number | null> {
  try {
    await limiter.consume(key, points);
    return null;
  } catch (err) {
    if (err instanceof RateLimiterRes) return Math.max(1, Math.ceil(err.msBeforeNext / 1000));
    throw err;
  }
}

/** Key of the sign-in counter: the client address and the email as the account lookup reads it. */
export function signInKey(ip: string | undefined, email: string): string {
  return `${ip ?? 'unknown'}|${email.trim().toLowerCase()}`;
}

function minutes(seconds: number): string {
  if (seconds % 60 !== 0) return `${seconds} seconds`;
  const m = seconds / 60;
  return m === 1 ? 'minute' : `${m} minutes`;
}

export function signInLimitedMessage(env: RateLimiters['env'], waitSeconds: number): string {
  return (
    `Too many failed sign-ins for this email from your address (at most ${env.SIGN_IN_RATE_LIMIT} every ` +
    `${minutes(env.SIGN_IN_RATE_WINDOW_SECONDS)}). Try again in ${waitSeconds} seconds.`
  );
}

/** Which sign-in counter refused: the pair, the email from anywhere, or the address for any email. */
export type SignInLimit = 'pair' | 'email' | 'address';

/**
 * Takes one attempt from each sign-in counter (pair, email, address). Returns null when allowed,
 * else the limit that refused and the seconds to wait. Every counter is charged, so an attacker
 * rotating emails or addresses still runs into one of them.
 */
export async function takeSignIn(limiters: RateLimiters, ip: string | undefined, email: string): Promise<{ limit: SignInLimit; wait: number } | null> {
  const address = ip ?? 'unknown';
  const checks: [SignInLimit, RateLimiterAbstract, string][] = [
    ['pair', limiters.signIn, signInKey(ip, email)],
    ['email', limiters.signInEmail, email.trim().toLowerCase()],
    ['address', limiters.signInAddress, address],
  ];
  let refused: { limit: SignInLimit; wait: number } | null = null;
  for (const [limit, limiter, key] of checks) {
    const wait = await take(limiter, key);
    if (wait !== null && (refused === null || wait > refused.wait)) refused = { limit, wait };
  }
  return refused;
}

/**
 * After a successful sign-in the person's own counters start afresh and the address gets its
 * attempt back, so an office behind one address is not limited by its own successful sign-ins.
 */
export async function clearSignIn(limiters: RateLimiters, ip: string | undefined, email: string): Promise<void> {
  await limiters.signIn.delete(signInKey(ip, email));
  await limiters.signInEmail.delete(email.trim().toLowerCase());
  await limiters.signInAddress.reward(ip ?? 'unknown', 1);
}

export function signInLimitMessage(env: RateLimiters['env'], limit: SignInLimit, waitSeconds: number): string {
  if (limit === 'pair') return signInLimitedMessage(env, waitSeconds);
  const window = minutes(env.SIGN_IN_RATE_WINDOW_SECONDS);
  return limit === 'email'
    ? `Too many failed sign-ins for this email (at most ${env.SIGN_IN_EMAIL_RATE_LIMIT} every ${window}). Try again in ${waitSeconds} seconds.`
    : `Too many failed attempts from your address (at most ${env.SIGN_IN_ADDRESS_RATE_LIMIT} every ${window}). Try again in ${waitSeconds} seconds.`;
}

function batchLimitedMessage(env: RateLimiters['env'], waitSeconds: number): string {
  return (
    `Too many upload batches created for your platform (at most ${env.BATCH_CREATE_RATE_LIMIT} every ` +
    `${minutes(env.BATCH_CREATE_RATE_WINDOW_SECONDS)}). Try again in ${waitSeconds} seconds.`
  );
}

/** Counts the root fields named `name` in an operation, through fragments, aliases included. */
export function rootFieldCount(document: DocumentNode, operation: OperationDefinitionNode, name: string): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const seen = new Set<string>();
  const count = (set: SelectionSetNode): number => {
    let n = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) n += s.name.value === name ? 1 : 0;
      else if (s.kind === Kind.INLINE_FRAGMENT) n += count(s.selectionSet);
      else if (!seen.has(s.name.value)) {
        // A fragment spread twice at the root merges into one set of fields: count it once.
        seen.add(s.name.value);
        const f = fragments.get(s.name.value);
        if (f) n += count(f.selectionSet);
      }
    }
    return n;
  };
  return count(operation.selectionSet);
}

/**
 * Counts the batch creations of a mutation against its platform. Only ADMIN callers count: a viewer
 * is refused by the resolver anyway and must not use up the allowance of the platform's admins.
 * Returns the seconds to wait when the allowance is used up, else null.
 */
export async function batchCreateWait(
  limiters: RateLimiters,
  principal: Principal,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): Promise<number | null> {
  if (operation.operation !== 'mutation' || principal.role !== Role.ADMIN) return null;
  const calls = rootFieldCount(document, operation, BATCH_CREATE_FIELD);
  if (calls === 0) return null;
  return take(limiters.batchCreate, principal.platformId, calls);
}

/** The GraphQL error of a refused batch creation; `http` adds the 429 status and Retry-After for Apollo. */
export function batchRateLimitedError(limiters: RateLimiters, waitSeconds: number, http: boolean): GraphQLError {
  return apiError(RATE_LIMITED, batchLimitedMessage(limiters.env, waitSeconds), {
    retryAfterSeconds: waitSeconds,
    ...(http ? { http: { status: 429, headers: new HeaderMap([['retry-after', String(waitSeconds)]]) } } : {}),
  });
}

/** Apollo plugin: refuses a mutation that would create more batches than the platform may (429). */
export function batchCreateLimitPlugin(limiters: RateLimiters): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, contextValue }) {
          if (!operation) return;
          const wait = await batchCreateWait(limiters, contextValue.principal, document, operation);
          if (wait !== null) throw batchRateLimitedError(limiters, wait, true);
        },
      };
    },
  };
}
