import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a signed download link grants: one file of one platform until `exp`. */
export interface LinkClaims {
  platformId: string;
  /** `template` or `report:<batchId>`. */
  resource: string;
  /** Expiry, epoch seconds. */
  exp: number;
}

/**
 * Signed query tokens for download links, so a browser can follow a link (or a
 * spreadsheet app can fetch it) without sending credentials. HMAC-SHA256 over
 * the claims; tokens are short-lived and name exactly one resource.
 */
export class LinkSigner {
  private readonly key: Buffer;

  constructor(secret?: string) {
    this.key = secret ? Buffer.from(secret, 'utf8') : randomBytes(32);
  }

  sign(claims: LinkClaims): string {
    const body = Buffer.from(JSON.stringify([claims.platformId, claims.resource, claims.exp])).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  /** The claims when the token is authentic, unexpired and for `resource`; else null. */
  verify(token: string, resource: string, now = Date.now()): LinkClaims | null {
    const [body, mac] = token.split('.');
    if (!body || !mac) return null;
    const expected = Buffer.from(this.mac(body));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    try {
      const [platformId, res, exp] = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as [string, string, number];
      if (res !== resource || exp * 1000 < now) return null;
      return { platformId, resource: res, exp };
    } catch {
      return null;
    }
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
