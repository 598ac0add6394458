import { createHash, randomFillSync } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
// Character codes of base62, indexed by a byte below 248 modulo 62.
const ALPHABET = Buffer.from(BASE62, 'latin1');

// One randomFillSync per 16 KiB instead of one randomBytes call per id: the apply
// makes an event id per row (hundreds of thousands), and the call's fixed cost
// dominated (1.5 s for 281,383 ids). Every byte is consumed once and the pool is
// refilled only when all are spent, so no two tokens share random bytes.
const POOL_BYTES = 16 * 1024;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let next = POOL_BYTES;

/** Random base62 text of `length` characters from crypto-random bytes (rejection sampling keeps it unbiased). */
export function randomToken(length: number): string {
  const out = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    if (next === POOL_BYTES) {
      randomFillSync(pool);
      next = 0;
    }
    const byte = pool[next++];
    // 248 = 4 × 62: bytes at or above it would favour the first eight characters.
    if (byte < 248) out[filled++] = ALPHABET[byte % 62];
  }
  return out.toString('latin1');
}

const ID_CHARS = 24;

/** A prefixed object id such as `ub_4fZ…` (prefix tells a reader what it names). */
export function newId(prefix: string): string {
  return `${prefix}_${randomToken(ID_CHARS)}`;
}

// Base62 digits of a millisecond time: 7 digits last until the year 2081.
const TIME_CHARS = 7;

/**
 * The random parts of `count` ids, concatenated (`idRandomChars` each), for a bulk
 * statement that binds this one string and cuts id k out of it in SQL. Each part
 * starts with the time in base62 and ends with 17 random characters (101 bits):
 * ids made later sort later, so a unique index on them grows at its right edge
 * instead of dirtying a random leaf page per id (at 500,000 events, ~4 MB of WAL
 * per 1,000-row chunk).
 */
export function newIdRandomParts(count: number, at: Date = new Date()): string {
  let time = '';
  for (let ms = at.getTime(), i = 0; i < TIME_CHARS; i++, ms = Math.floor(ms / 62)) time = BASE62[ms % 62] + time;
  const randomChars = ID_CHARS - TIME_CHARS;
  const random = randomToken(count * randomChars);
  const parts = new Array<string>(count);
  for (let k = 0; k < count; k++) parts[k] = time + random.slice(k * randomChars, (k + 1) * randomChars);
  return parts.join('');
}

/** Length of the random part of every {@link newId}. */
export const idRandomChars = ID_CHARS;

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
