import { z } from 'zod';

/**
 * Every setting the server reads, validated once at start. This module is the
 * only reader of `process.env`: everything else receives an `Env`.
 */
const Schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .default('sqlite:./data/comms.db')
    .refine((v) => v.startsWith('sqlite:') || /^postgres(ql)?:\/\//.test(v), {
      message: 'must be sqlite:<file path> or postgres://…',
    }),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be redis://… or rediss://…')
    .optional(),
  /**
   * What this process does: `all` (HTTP + jobs, the default), `api` (HTTP and WebSocket, enqueues
   * only) or `worker` (jobs, webhook delivery, expiry; serves only /healthz and /readyz).
   */
  ROLE: z.enum(['all', 'api', 'worker']).default('all'),
  /** Prefix of BullMQ keys and Redis pub/sub channels, so deployments (or test runs) can share a Redis. */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only')
    .default('comms'),
  /**
   * BullMQ job lock (ms): a worker renews it while a job runs; a job whose lock lapses (its worker
   * died) is re-run elsewhere, checked at the same interval. Lower means faster takeover after a
   * crash, and more Redis traffic and risk of a busy-but-alive worker being taken over.
   */
  JOB_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
  /** Jobs one process runs at once (validation, apply, webhook rounds, expiry). */
  JOB_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(4),
  /**
   * Where an upload waits for validation: `local-dir` (UPLOAD_DIR on this machine) or `database`
   * (chunks in the upload_chunk table, readable by any worker). Unset: `database` with REDIS_URL.
   */
  UPLOAD_STORE: z.enum(['local-dir', 'database']).optional(),
  MAX_UPLOAD_ROWS: z.coerce.number().int().positive().default(500_000),
  /** Bytes. 500,000 template rows weigh about 60 MB; the cap leaves room for long names. */
  MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(256 * 1024 * 1024),
  PUBLIC_URL: z.url().optional(),
  BATCH_EXPIRY_DAYS: z.coerce.number().positive().default(7),
  /**
   * Batches of at least this many rows get a search index on their review's first substring
   * search (modules/batches/search); below it the read of the rows is already fast (about 15 ms
   * for 20,000 rows) and an index would cost more than it saves.
   */
  SEARCH_INDEX_MIN_ROWS: z.coerce.number().int().min(0).default(20_000),
  /** Rows per transaction of a search-index build (SQLite runs each on the server's thread: kept short). */
  SEARCH_INDEX_CHUNK_ROWS: z.coerce.number().int().min(1).max(100_000).default(2_000),
  /** A COMPLETED batch may be rolled back (once) for this many days after it completed. */
  ROLLBACK_WINDOW_DAYS: z.coerce.number().positive().default(30),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Rows per validation chunk (one account lookup and one insert each). */
  VALIDATION_CHUNK_ROWS: z.coerce.number().int().min(1).max(10_000).default(1_000),
  /** Rows per apply transaction. */
  APPLY_CHUNK_ROWS: z.coerce.number().int().min(1).max(10_000).default(1_000),
  /** Runs of one apply job (the first and its retries after an internal error) before the batch ends FAILED. */
  APPLY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(6),
  /** Delay before retry n of an apply is n times this (at most a minute). */
  APPLY_RETRY_BASE_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  /** Where uploads wait for validation; remove-safe (files are deleted once validated). */
  UPLOAD_DIR: z.string().default('./data/uploads'),
  /** Secret for signed download links; generated per process when unset (links then die with it). */
  LINK_SIGNING_SECRET: z.string().min(16).optional(),
  /** Seed a demo platform on first start (the quick start). */
  DEMO_SEED: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  DEMO_ACCOUNTS: z.coerce.number().int().min(0).default(10_000),
  /** Cookies marked Secure; on by default in production. */
  COOKIE_SECURE: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true')),
  SESSION_TTL_HOURS: z.coerce.number().positive().default(24 * 7),
  /** Where the built dashboard lives; served on the same port when present. */
  CLIENT_DIST: z.string().optional(),
  /**
   * Webhook URLs may resolve to private, loopback, link-local, unspecified or
   * multicast addresses. Unset: allowed outside production (the demo posts to localhost).
   */
  WEBHOOK_ALLOW_PRIVATE: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true')),
  /** One webhook attempt, connect to last byte (Standard Webhooks suggests 15 s). */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),
  /** Requests in flight to one endpoint from one server process. */
  WEBHOOK_CONCURRENCY_PER_ENDPOINT: z.coerce.number().int().positive().max(1000).default(10),
  /**
   * Seconds to wait before each retry (the n-th value before the n-th retry), ±10% jitter.
   * The default roughly doubles up to 12 h and stops after about 2.7 days (under 3 with jitter).
   */
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .default('5,30,120,600,1800,3600,7200,14400,28800,43200,43200,43200,43200')
    .transform((v) => v.split(',').map((s) => (s.trim() === '' ? Number.NaN : Number(s.trim()))))
    .pipe(z.array(z.number().nonnegative().max(7 * 86_400)).min(1).max(100)),
  /** An endpoint whose deliveries have failed (no success in between) for this long is disabled. */
  WEBHOOK_DISABLE_AFTER_SECONDS: z.coerce.number().positive().default(5 * 86_400),
  /** How often the delivery worker looks for new events and due retries (also woken on demand). */
  WEBHOOK_POLL_INTERVAL_MS: z.coerce.number().int().positive().default(500),
  /**
   * GraphQL request limits (graphql-armor rules, on HTTP and graphql-ws alike). The schema has no
   * cycles and its deepest legitimate selection is 7 levels, so 8 only stops `__type` recursion and
   * whatever a future cyclic field would allow.
   */
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(1).max(100).default(8),
  /**
   * graphql-armor cost units (literal `first` multiplies): one page of 1,000 batch rows with every
   * field costs about 90,000; a list of batches each with a page of rows, millions.
   */
  GRAPHQL_MAX_COST: z.coerce.number().int().positive().default(200_000),
  GRAPHQL_MAX_ALIASES: z.coerce.number().int().min(0).max(1000).default(15),
  GRAPHQL_MAX_DIRECTIVES: z.coerce.number().int().min(0).max(1000).default(50),
  /** Lexical tokens per document; the standard introspection query has about 160, the dashboard's largest 60. */
  GRAPHQL_MAX_TOKENS: z.coerce.number().int().positive().default(1_000),
  /** graphql-ws: a socket that sends no connection_init within this time is closed (4408). */
  WS_CONNECTION_INIT_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** Failed sign-ins allowed per client IP and email within the window; a success resets the count. */
  SIGN_IN_RATE_LIMIT: z.coerce.number().int().positive().default(10),
  SIGN_IN_RATE_WINDOW_SECONDS: z.coerce.number().int().positive().default(15 * 60),
  /** Failed sign-ins allowed per email from any address within the window (guessing one account from many addresses). */
  SIGN_IN_EMAIL_RATE_LIMIT: z.coerce.number().int().positive().default(30),
  /** Failed sign-ins (and set-password attempts) allowed per client IP, any email, within the window (spraying many accounts). */
  SIGN_IN_ADDRESS_RATE_LIMIT: z.coerce.number().int().positive().default(100),
  /** Upload batches one platform may create within the window (ADMIN callers; retries count). */
  BATCH_CREATE_RATE_LIMIT: z.coerce.number().int().positive().default(60),
  BATCH_CREATE_RATE_WINDOW_SECONDS: z.coerce.number().int().positive().default(10 * 60),
  /**
   * Bearer token that `GET /metrics` on the main port requires (Prometheus `authorization`). Unset
   * and no METRICS_PORT: /metrics answers 404.
   */
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  /** A second, internal port serving only /metrics (no token needed unless METRICS_TOKEN is set). */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Interface of METRICS_PORT: loopback by default, so only the machine (or its sidecar) scrapes it. */
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** Delivered webhook deliveries, and events every endpoint has received, are purged after this many days. */
  WEBHOOK_RETENTION_DAYS: z.coerce.number().positive().default(30),
  /** Rows one purge transaction deletes at most, so retention never holds long locks. */
  WEBHOOK_RETENTION_BATCH_ROWS: z.coerce.number().int().min(1).max(100_000).default(5_000),
  /** EMAIL_DOMAIN_UNRESOLVABLE: look up each new email domain's MX/A/AAAA records. Off: no DNS traffic at all. */
  EMAIL_DNS_CHECK: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** DNS servers for that check (`host` or `host:port`, comma-separated); unset: the system's. */
  EMAIL_DNS_SERVERS: z
    .string()
    .optional()
    .transform((v) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : [])),
  /** One lookup's timeout. */
  EMAIL_DNS_TIMEOUT_MS: z.coerce.number().int().positive().max(60_000).default(2_000),
  /** Lookups in flight at once, per validation. */
  EMAIL_DNS_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  /** The longest validation waits for lookups after the last row; unanswered domains get no warning. */
  EMAIL_DNS_BUDGET_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
});

export type Env = z.infer<typeof Schema> & {
  database: { dialect: 'sqlite'; file: string } | { dialect: 'postgresql'; url: string };
  cookieSecure: boolean;
  webhookAllowPrivate: boolean;
  uploadStore: 'local-dir' | 'database';
};

/** Thrown for a missing or malformed setting; the message names each bad variable. */
export class EnvError extends Error {}

/** Parses settings from a plain record (process.env at start, a literal in tests). */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const known = Object.keys(Schema.shape);
  const input: Record<string, string> = {};
  for (const key of known) {
    const v = source[key];
    // An empty variable means "use the default", as most shells and compose files intend.
    if (v !== undefined && v !== '') input[key] = v;
  }
  const parsed = Schema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new EnvError(`Invalid settings:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  // Without Redis, jobs live in the memory of the process that enqueues them: an API-only process
  // would accept uploads that nothing ever validates, and a worker-only one would get no jobs.
  if (e.ROLE !== 'all' && !e.REDIS_URL) {
    throw new EnvError(`Invalid settings:\n  ROLE: ${e.ROLE} needs REDIS_URL (the job queue shared by API and worker processes); use ROLE=all without Redis`);
  }
  const database: Env['database'] = e.DATABASE_URL.startsWith('sqlite:')
    ? { dialect: 'sqlite', file: e.DATABASE_URL.slice('sqlite:'.length) || './data/comms.db' }
    : { dialect: 'postgresql', url: e.DATABASE_URL };
  return {
    ...e,
    database,
    cookieSecure: e.COOKIE_SECURE ?? e.NODE_ENV === 'production',
    webhookAllowPrivate: e.WEBHOOK_ALLOW_PRIVATE ?? e.NODE_ENV !== 'production',
    // A job may run on another machine than the PUT once jobs are shared through Redis.
    uploadStore: e.UPLOAD_STORE ?? (e.REDIS_URL ? 'database' : 'local-dir'),
  };
}

/** Reads the process environment; exits with a readable message when it is wrong. */
export function loadEnv(): Env {
  try {
    return parseEnv(process.env);
  } catch (err) {
    if (err instanceof EnvError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}
