import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { loadEnv } from '../config/env.js';
import { openOrm } from '../db/orm.js';
import { createSqlDatabase } from '../db/sql.js';
import { revokeApiKeyByPrefix } from '../modules/auth/api-key.service.js';
import { createApiKey, createUser } from '../modules/auth/auth.service.js';
import { Role } from '../modules/auth/dashboard-user.entity.js';
import { Platform } from '../modules/platforms/platform.entity.js';
import { createPlatform } from '../modules/platforms/platform.service.js';
import { listen } from '../modules/webhooks/listen.js';
import { newSigningSecret, Signer } from '../modules/webhooks/signing.js';
import { parseWebhookUrl } from '../modules/webhooks/url-policy.js';

/** Operator commands against DATABASE_URL (API.md, "Operator command line"). */
const USAGE = `Usage:
  pnpm cli create-platform --name "Acme" [--accounts 1000] [--json]
  pnpm cli create-api-key --platform <platformId> [--json]
  pnpm cli create-user --platform <platformId> --email <email> --role ADMIN|VIEWER [--password <p>] [--json]
  pnpm cli revoke-api-key --prefix <sk_… prefix> [--json]
      revokes the active key with that prefix (shown in Settings → API keys) at once
  pnpm cli listen [--platform <platformId>] [--forward-to <url>] [--secret whsec_…] [--json]
      prints the platform's new events (and POSTs each, signed, to --forward-to) until Ctrl-C`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

const [command, ...rest] = process.argv.slice(2);
const { values } = parseArgs({
  args: rest,
  options: {
    name: { type: 'string' },
    accounts: { type: 'string' },
    platform: { type: 'string' },
    email: { type: 'string' },
    role: { type: 'string' },
    prefix: { type: 'string' },
    password: { type: 'string' },
    'forward-to': { type: 'string' },
    secret: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
  strict: true,
});

const print = (result: Record<string, unknown>, human: string) => {
  process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : `${human}\n`);
};

if (!command || command === 'help' || command === '--help') {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const env = loadEnv();
const orm = await openOrm(env.database);
const em = orm.em.fork();
try {
  const requirePlatform = async () => {
    if (!values.platform) fail('--platform is required');
    const platform = await em.findOne(Platform, { id: values.platform });
    if (!platform) fail(`No platform with id ${values.platform}`);
    return platform;
  };
  switch (command) {
    case 'create-platform': {
      if (!values.name?.trim()) fail('--name is required');
      const accounts = values.accounts === undefined ? 0 : Number(values.accounts);
      if (!Number.isInteger(accounts) || accounts < 0) fail('--accounts must be a whole number ≥ 0');
      const started = Date.now();
      const created = await createPlatform(em, createSqlDatabase(orm), { name: values.name.trim(), accounts });
      print(
        { ...created },
        `Created platform ${created.platformId} with ${accounts} accounts in ${((Date.now() - started) / 1000).toFixed(1)} s\n` +
          `API key: ${created.apiKey}\nAdmin:   ${created.admin.email} / ${created.admin.password}`,
      );
      break;
    }
    case 'create-api-key': {
      const platform = await requirePlatform();
      const apiKey = await createApiKey(em, platform.id);
      print({ apiKey }, `API key: ${apiKey}`);
      break;
    }
    case 'create-user': {
      const platform = await requirePlatform();
      if (!values.email?.includes('@')) fail('--email must be an email address');
      const role = values.role?.toUpperCase();
      if (role !== Role.ADMIN && role !== Role.VIEWER) fail('--role must be ADMIN or VIEWER');
      const user = await createUser(em, { platformId: platform.id, email: values.email, role, password: values.password });
      print(user, `User: ${user.email} / ${user.password} (${role})`);
      break;
    }
    case 'revoke-api-key': {
      const prefix = values.prefix?.trim();
      if (!prefix || !/^sk_[A-Za-z0-9]{1,40}$/.test(prefix)) fail('--prefix must be the sk_… prefix of a key');
      const result = await revokeApiKeyByPrefix(createSqlDatabase(orm), prefix);
      if (!result.revoked) {
        const why = result.ambiguous ? `Several active keys start with ${prefix}; revoke it from Settings → API keys.` : `No active API key has the prefix ${prefix}.`;
        if (values.json) process.stdout.write(`${JSON.stringify({ revoked: false, error: why })}\n`);
        else process.stderr.write(`${why}\n`);
        process.exitCode = 1;
        break;
      }
      print({ revoked: true }, `Revoked the API key ${prefix}…`);
      break;
    }
    case 'listen': {
      const platforms = values.platform ? [await requirePlatform()] : await em.find(Platform, {}, { limit: 2 });
      if (platforms.length !== 1) fail(platforms.length === 0 ? 'No platform yet: create one first' : '--platform is required: there are several platforms');
      const forwardTo = values['forward-to'] ?? null;
      if (forwardTo !== null && !parseWebhookUrl(forwardTo).ok) fail('--forward-to must be an http(s) URL');
      const secret = values.secret ?? newSigningSecret();
      try {
        new Signer([secret]);
      } catch {
        fail('--secret must be a whsec_… secret');
      }
      const stop = new AbortController();
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
      await listen(createSqlDatabase(orm), {
        platformId: platforms[0].id,
        forwardTo,
        secret,
        json: values.json,
        signal: stop.signal,
        write: (line) => process.stdout.write(`${line}\n`),
      });
      break;
    }
    default:
      fail(`Unknown command: ${command}`);
  }
} finally {
  await orm.close();
}
