import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/**
 * Re-exported so receivers inside this repository (the black-box tests, a
 * separate package without this dependency) verify with the very library an
 * integrator uses, not with our own signing code.
 */
export { Webhook, WebhookVerificationError } from 'standardwebhooks';

/** Random bytes in a signing secret (Standard Webhooks asks for 24 to 64). */
export const SECRET_BYTES = 32;

/** A new endpoint secret: `whsec_` + base64, the form `new Webhook(secret)` reads. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(SECRET_BYTES).toString('base64')}`;
}

/**
 * Signs with every given secret. During a rotation the old and the new secret
 * both sign, so `webhook-signature` carries two space-separated `v1,…` values
 * and a receiver configured with either verifies.
 */
export class Signer {
  private readonly keys: Webhook[];

  constructor(secrets: readonly string[]) {
    this.keys = secrets.map((s) => new Webhook(s));
  }

  /** The `webhook-signature` header value for one message. */
  sign(messageId: string, timestamp: Date, body: string): string {
    return this.keys.map((k) => k.sign(messageId, timestamp, body)).join(' ');
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
