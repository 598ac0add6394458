import { createHmac, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/**
 * Re-exported so receivers inside this repository (the black-box tests, a
 * separate package without this dependency) verify with the very library an
 * integrator uses, not with our own signing code.
 */
export { Webhook, WebhookVerificationError } from 'standardwebhooks';

/** Random bytes in a signing secret (Standard Webhooks asks for 24 to 64). */
export const SECRET_BYTES = 32;

const SECRET_PREFIX = 'whsec_';

/** A new endpoint secret: `whsec_` + base64, the form `new Webhook(secret)` reads. */
export function newSigningSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`;
}

/**
 * Signs with every given secret. During a rotation the old and the new secret
 * both sign, so `webhook-signature` carries two space-separated `v1,…` values
 * and a receiver configured with either verifies.
 *
 * The HMAC is node:crypto's rather than standardwebhooks' `sign` (a pure-JS
 * SHA-256, ~6 % of the delivery worker's CPU); the header is byte for byte the
 * same (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body` keyed with the
 * secret's decoded base64), which signing.test.ts checks against the library.
 */
export class Signer {
  private readonly keys: Buffer[];

  constructor(secrets: readonly string[]) {
    this.keys = secrets.map((secret) => {
      // The library refuses a malformed secret; so must we, rather than sign with a key no receiver holds.
      void new Webhook(secret);
      return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
    });
  }

  /** The `webhook-signature` header value for one message. */
  sign(messageId: string, timestamp: Date, body: string): string {
    const signed = `${messageId}.${Math.floor(timestamp.getTime() / 1000)}.${body}`;
    return this.keys.map((key) => `v1,${createHmac('sha256', key).update(signed, 'utf8').digest('base64')}`).join(' ');
  }
}

/** The Standard Webhooks headers of one attempt (the timestamp is the attempt's, not the event's). */
export function signedHeaders(signer: Signer, messageId: string, body: string, at: Date = new Date()): Record<string, string> {
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signer.sign(messageId, at, body),
  };
}
