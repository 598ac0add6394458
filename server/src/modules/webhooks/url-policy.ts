import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';

/**
 * Which webhook URLs we post to. A webhook URL is chosen by a customer and
 * fetched by our servers, so it must not reach our own network (SSRF): unless
 * WEBHOOK_ALLOW_PRIVATE is on, every address the host resolves to must be public.
 * The check runs when the URL is saved and again at every connection (the
 * resolver hook below), because DNS answers can change after the check.
 */

/** Longest URL accepted; longer ones are almost always a paste accident. */
export const MAX_URL_LENGTH = 2048;

/** A URL that passed, or why it did not (a sentence for the user). */
export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/** Raised by the resolver hook; its code lets the worker name the cause. */
export const FORBIDDEN_ADDRESS = 'EWEBHOOKFORBIDDENADDRESS';

// [first bytes, prefix length in bits, what it is]
type Range = [number[], number, string];

const V4_RANGES: Range[] = [
  [[0], 8, 'unspecified'],
  [[10], 8, 'private'],
  [[100, 64], 10, 'shared (carrier-grade NAT)'],
  [[127], 8, 'loopback'],
  [[169, 254], 16, 'link-local'],
  [[172, 16], 12, 'private'],
  [[192, 0, 0], 24, 'reserved'],
  [[192, 168], 16, 'private'],
  [[198, 18], 15, 'reserved (benchmarking)'],
  [[224], 4, 'multicast'],
  [[240], 4, 'reserved'],
];

const V6_RANGES: Range[] = [
  [[], 128, 'unspecified'], // ::/128, all zero bytes
  [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 128, 'loopback'],
  [[0xfc], 7, 'private (unique local)'],
  [[0xfe, 0x80], 10, 'link-local'],
  [[0xfe, 0xc0], 10, 'site-local'],
  [[0xff], 8, 'multicast'],
  [[0x01, 0x00, 0, 0, 0, 0, 0, 0], 64, 'discard-only'],
];

function matches(bytes: number[], [prefix, bits]: Range): boolean {
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3;
    const mask = 0x80 >> (i & 7);
    if ((bytes[byte] & mask) !== ((prefix[byte] ?? 0) & mask)) return false;
  }
  return true;
}

function v4Bytes(ip: string): number[] {
  return ip.split('.').map(Number);
}

/** The 16 bytes of an IPv6 address (zone id ignored, embedded dotted quad allowed). */
function v6Bytes(ip: string): number[] {
  let text = ip.split('%')[0].toLowerCase();
  let tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = v4Bytes(dotted[1]);
    tail = [(a << 8) | b, (c << 8) | d];
    text = text.slice(0, -dotted[1].length);
    if (text.endsWith(':') && !text.endsWith('::')) text = text.slice(0, -1);
  }
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((g) => Number.parseInt(g, 16)));
  const gap = text.indexOf('::');
  let all: number[];
  if (gap >= 0) {
    const left = groups(text.slice(0, gap));
    const right = [...groups(text.slice(gap + 2)), ...tail];
    all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  } else all = [...groups(text), ...tail];
  return all.flatMap((g) => [(g >> 8) & 0xff, g & 0xff]);
}

/**
 * Why an address is not a public unicast one ("loopback", "private"…), or
 * null when it is. IPv4-mapped and NAT64 IPv6 forms are judged by their IPv4 part.
 */
export function forbiddenAddressKind(ip: string): string | null {
  const family = isIP(ip.split('%')[0]);
  if (family === 4) {
    const bytes = v4Bytes(ip);
    return V4_RANGES.find((r) => matches(bytes, r))?.[2] ?? null;
  }
  if (family !== 6) return 'not an IP address';
  const bytes = v6Bytes(ip);
  const first10Zero = bytes.slice(0, 10).every((b) => b === 0);
  const mapped = first10Zero && bytes[10] === 0xff && bytes[11] === 0xff;
  const nat64 = matches(bytes, [[0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0], 96, '']);
  if (mapped || nat64) return forbiddenAddressKind(bytes.slice(12).join('.'));
  return V6_RANGES.find((r) => matches(bytes, r))?.[2] ?? null;
}

/** The host of a URL without IPv6 brackets. */
export function urlHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** Syntax only: absolute http(s) URL with a host, no credentials, not too long. */
export function parseWebhookUrl(raw: string): UrlCheck {
  const text = raw.trim();
  if (text.length > MAX_URL_LENGTH) return { ok: false, reason: `The URL is longer than ${MAX_URL_LENGTH} characters.` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: 'The URL is not valid. Use an absolute URL such as https://example.com/webhooks.' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { ok: false, reason: 'The URL must start with https:// or http://.' };
  }
  if (!url.hostname) return { ok: false, reason: 'The URL has no host.' };
  // Credentials in the URL would be stored and shown like any other field.
  if (url.username || url.password) return { ok: false, reason: 'The URL must not contain a user name or password.' };
  return { ok: true, url };
}

type Resolve = (host: string) => Promise<LookupAddress[]>;

const resolveAll: Resolve = (host) =>
  new Promise((resolve, reject) => {
    dnsLookup(host, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });

/**
 * Syntax plus the address policy: with `allowPrivate` off, the host (an IP
 * literal or every address DNS gives for the name) must be public.
 */
export async function checkWebhookUrl(raw: string, opts: { allowPrivate: boolean; resolve?: Resolve }): Promise<UrlCheck> {
  const parsed = parseWebhookUrl(raw);
  if (!parsed.ok || opts.allowPrivate) return parsed;
  const host = urlHost(parsed.url);
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await (opts.resolve ?? resolveAll)(host)).map((a) => a.address);
    } catch {
      return { ok: false, reason: `The host ${host} could not be resolved.` };
    }
    if (addresses.length === 0) return { ok: false, reason: `The host ${host} could not be resolved.` };
  }
  for (const address of addresses) {
    const kind = forbiddenAddressKind(address);
    if (kind) return { ok: false, reason: forbiddenMessage(host, address, kind) };
  }
  return parsed;
}

function forbiddenMessage(host: string, address: string, kind: string): string {
  const where = host === address ? host : `${host} (${address})`;
  return `${where} is a ${kind} address; webhook URLs must reach a public address.`;
}

/**
 * A `lookup` for net/tls connections (undici's `connect.lookup`) that refuses
 * forbidden addresses at connection time, so a DNS answer that changed since
 * the URL was saved cannot point a delivery at our own network.
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as LookupAddress[];
      if (!allowPrivate) {
        for (const a of list) {
          const kind = forbiddenAddressKind(a.address);
          if (kind) {
            const refused = Object.assign(new Error(forbiddenMessage(hostname, a.address, kind)), { code: FORBIDDEN_ADDRESS });
            return callback(refused, '', 0);
          }
        }
      }
      if (options.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, list);
      return callback(null, list[0].address, list[0].family);
    });
  };
}

/** For a URL whose host is an IP literal (no lookup happens): the refusal, or null. */
export function forbiddenLiteral(url: URL, allowPrivate: boolean): string | null {
  if (allowPrivate) return null;
  const host = urlHost(url);
  if (!isIP(host)) return null;
  const kind = forbiddenAddressKind(host);
  return kind ? forbiddenMessage(host, host, kind) : null;
}
