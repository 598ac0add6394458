import { createHash, randomFillSync } from 'node:crypto';

// Character codes of base62, indexed by a byte below 248 modulo 62.
const ALPHABET = Buffer.from('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 'latin1');

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

/**
 * The random parts of `count` ids, concatenated: a bulk statement binds this one
 * string and cuts id k out of it in SQL (`substr(…, k × idRandomChars, …)`).
 */
export function newIdRandomParts(count: number): string {
  return randomToken(count * ID_CHARS);
}

/** Length of the random part of every {@link newId}. */
export const idRandomChars = ID_CHARS;

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
