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
});
