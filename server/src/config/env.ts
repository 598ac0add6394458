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
  MAX_UPLOAD_ROWS: z.coerce.number().int().positive().default(500_000),
  /** Bytes. 500,000 template rows weigh about 60 MB; the cap leaves room for long names. */
  MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(256 * 1024 * 1024),
  PUBLIC_URL: z.url().optional(),
  BATCH_EXPIRY_DAYS: z.coerce.number().positive().default(7),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Rows per validation chunk (one account lookup and one insert each). */
  VALIDATION_CHUNK_ROWS: z.coerce.number().int().min(1).max(10_000).default(1_000),
  /** Rows per apply transaction. */
  APPLY_CHUNK_ROWS: z.coerce.number().int().min(1).max(10_000).default(1_000),
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
});

export type Env = z.infer<typeof Schema> & {
  database: { dialect: 'sqlite'; file: string } | { dialect: 'postgresql'; url: string };
  cookieSecure: boolean;
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
  const database: Env['database'] = e.DATABASE_URL.startsWith('sqlite:')
    ? { dialect: 'sqlite', file: e.DATABASE_URL.slice('sqlite:'.length) || './data/comms.db' }
    : { dialect: 'postgresql', url: e.DATABASE_URL };
  return { ...e, database, cookieSecure: e.COOKIE_SECURE ?? e.NODE_ENV === 'production' };
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
