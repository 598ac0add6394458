import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { EnvError, parseEnv } from '../../config/env.js';
import { checkWebhookUrl, forbiddenAddressKind, forbiddenLiteral, guardedLookup, parseWebhookUrl } from './url-policy.js';

describe('forbiddenAddressKind', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['100.64.0.1', 'shared (carrier-grade NAT)'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fd12:3456::1', 'private (unique local)'],
    ['fc00::1', 'private (unique local)'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
  ])('%s is %s', (ip, kind) => {
    expect(forbiddenAddressKind(ip)).toBe(kind);
  });

  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '192.169.0.1', '11.0.0.1', '2606:4700::6810:85e5', '2001:db8::1', '::ffff:8.8.8.8'])(
    '%s is public',
    (ip) => {
      expect(forbiddenAddressKind(ip)).toBeNull();
    },
  );
});

describe('parseWebhookUrl', () => {
  it('accepts absolute http and https URLs', () => {
    expect(parseWebhookUrl(' https://example.com/hooks?x=1 ').ok).toBe(true);
    expect(parseWebhookUrl('http://localhost:3000/hook').ok).toBe(true);
  });
  it.each([
    ['example.com/hook', 'not valid'],
    ['ftp://example.com/hook', 'https:// or http://'],
    ['javascript:alert(1)', 'https:// or http://'],
    ['https://user:pw@example.com/', 'user name or password'],
    [`https://example.com/${'a'.repeat(2100)}`, 'longer than'],
  ])('refuses %s', (raw, reason) => {
    const r = parseWebhookUrl(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(reason);
  });
});

describe('checkWebhookUrl', () => {
  const resolveTo =
    (...addresses: string[]) =>
    async (): Promise<LookupAddress[]> =>
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  it('allows anything well-formed when private addresses are allowed (no DNS)', async () => {
    const r = await checkWebhookUrl('http://127.0.0.1:9/x', {
      allowPrivate: true,
      resolve: () => Promise.reject(new Error('not called')),
    });
    expect(r.ok).toBe(true);
  });

  it('refuses IP literals and names that resolve to a forbidden address', async () => {
    for (const url of ['http://127.0.0.1/', 'http://[::1]:8080/', 'http://2130706433/', 'http://0x7f.1/', 'http://169.254.169.254/latest']) {
      const r = await checkWebhookUrl(url, { allowPrivate: false });
      expect(r.ok, url).toBe(false);
    }
    const r = await checkWebhookUrl('https://hooks.example.com/x', { allowPrivate: false, resolve: resolveTo('10.0.0.8') });
    expect(r).toEqual({ ok: false, reason: 'hooks.example.com (10.0.0.8) is a private address; webhook URLs must reach a public address.' });
  });

  it('checks every address a name resolves to', async () => {
    const mixed = await checkWebhookUrl('https://hooks.example.com/x', { allowPrivate: false, resolve: resolveTo('93.184.215.14', '::1') });
    expect(mixed.ok).toBe(false);
    const pub = await checkWebhookUrl('https://hooks.example.com/x', {
      allowPrivate: false,
      resolve: resolveTo('93.184.215.14', '2606:4700::6810:85e5'),
    });
    expect(pub.ok).toBe(true);
  });

  it('refuses a name that does not resolve', async () => {
    const r = await checkWebhookUrl('https://nowhere.invalid/x', {
      allowPrivate: false,
      resolve: () => Promise.reject(new Error('ENOTFOUND')),
    });
    expect(r).toEqual({ ok: false, reason: 'The host nowhere.invalid could not be resolved.' });
  });
});

describe('delivery-time checks', () => {
  it('forbiddenLiteral judges IP hosts only', () => {
    expect(forbiddenLiteral(new URL('http://127.0.0.1/'), false)).toContain('loopback');
    expect(forbiddenLiteral(new URL('http://127.0.0.1/'), true)).toBeNull();
    expect(forbiddenLiteral(new URL('http://8.8.8.8/'), false)).toBeNull();
    expect(forbiddenLiteral(new URL('http://localhost/'), false)).toBeNull();
  });

  it('guardedLookup refuses a name resolving to loopback at connection time', async () => {
    const lookup = guardedLookup(false);
    const err = await new Promise<NodeJS.ErrnoException | null>((done) => lookup('localhost', { all: true }, (e) => done(e)));
    expect(err?.code).toBe('EWEBHOOKFORBIDDENADDRESS');
    const allowed = guardedLookup(true);
    const addresses = await new Promise<unknown>((done, fail) =>
      allowed('localhost', { all: true }, (e, a) => (e ? fail(e) : done(a))),
    );
    expect(Array.isArray(addresses)).toBe(true);
    const single = await new Promise<unknown>((done, fail) => allowed('localhost', {}, (e, a) => (e ? fail(e) : done(a))));
    expect(typeof single).toBe('string');
  });
});

describe('webhook settings', () => {
  it('WEBHOOK_ALLOW_PRIVATE defaults to on in development and test, off in production', () => {
    expect(parseEnv({}).webhookAllowPrivate).toBe(true);
    expect(parseEnv({ NODE_ENV: 'test' }).webhookAllowPrivate).toBe(true);
    expect(parseEnv({ NODE_ENV: 'production' }).webhookAllowPrivate).toBe(false);
    expect(parseEnv({ NODE_ENV: 'production', WEBHOOK_ALLOW_PRIVATE: 'true' }).webhookAllowPrivate).toBe(true);
    expect(parseEnv({ WEBHOOK_ALLOW_PRIVATE: 'false' }).webhookAllowPrivate).toBe(false);
  });

  it('reads the retry schedule in seconds and refuses a malformed one', () => {
    expect(parseEnv({ WEBHOOK_RETRY_SCHEDULE: '0.05, 0.1,1' }).WEBHOOK_RETRY_SCHEDULE).toEqual([0.05, 0.1, 1]);
    for (const bad of ['a,b', '5,-1', '5,,']) {
      expect(() => parseEnv({ WEBHOOK_RETRY_SCHEDULE: bad }), bad).toThrow(EnvError);
    }
    expect(() => parseEnv({ WEBHOOK_RETRY_SCHEDULE: 'x' })).toThrow(/WEBHOOK_RETRY_SCHEDULE/);
    expect(() => parseEnv({ WEBHOOK_TIMEOUT_MS: '0' })).toThrow(/WEBHOOK_TIMEOUT_MS/);
  });
});
