import type { IncomingMessage } from 'node:http';

/** The origin for absolute URLs: PUBLIC_URL when set, else what the request came to. */
export function requestOrigin(publicUrl: string | undefined, req: IncomingMessage): string {
  if (publicUrl) return publicUrl.replace(/\/+$/, '');
  const proto = (req.headers['x-forwarded-proto'] as string | undefined)?.split(',')[0]?.trim() || 'http';
  const host = req.headers.host ?? 'localhost';
  return `${proto}://${host}`;
}
