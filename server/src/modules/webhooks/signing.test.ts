import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newSigningSecret, SECRET_BYTES, Signer, signedHeaders, Webhook } from './signing.js';

describe('signing', () => {
  it('makes whsec_ secrets of enough random bytes', () => {
    const a = newSigningSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(SECRET_BYTES);
    expect(SECRET_BYTES).toBeGreaterThanOrEqual(24);
    expect(newSigningSecret()).not.toBe(a);
  });

  it('signs so that standardwebhooks verifies, with each secret of a rotation', () => {
    const oldSecret = newSigningSecret();
    const newSecret = newSigningSecret();
    const body = JSON.stringify({ id: 'evt_1', type: 'account.updated' });
    const headers = signedHeaders(new Signer([newSecret, oldSecret]), 'evt_1', body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(newSecret).verify(body, headers)).toEqual({ id: 'evt_1', type: 'account.updated' });
    expect(new Webhook(oldSecret).verify(body, headers)).toEqual({ id: 'evt_1', type: 'account.updated' });
    expect(() => new Webhook(newSigningSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(newSecret).verify(`${body} `, headers)).toThrow();
  });

  it('gives the very header standardwebhooks gives (node:crypto HMAC instead of its pure-JS SHA-256)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 24, maxLength: 64 }), { minLength: 1, maxLength: 2 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        (keys, id, body, ms) => {
          const secrets = keys.map((k) => `whsec_${Buffer.from(k).toString('base64')}`);
          const at = new Date(ms);
          const expected = secrets.map((s) => new Webhook(s).sign(id, at, body)).join(' ');
          expect(new Signer(secrets).sign(id, at, body)).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses a secret the library refuses', () => {
    expect(() => new Signer(['whsec_'])).toThrow();
    expect(() => new Signer(['whsec_not base64!'])).toThrow();
  });
});
