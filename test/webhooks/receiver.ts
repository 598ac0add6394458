import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the receiver saw it. */
export interface Received {
  at: number;
  headers: Record<string, string>;
  body: string;
  /** The status the receiver answered (0 when it never answered). */
  status: number;
}

/** What to answer: a status (and headers), or `hang` to never answer. */
export type Reply = { status: number; headers?: Record<string, string>; body?: string; delayMs?: number } | 'hang';

/**
 * A real webhook receiver on 127.0.0.1 (node:http, port 0). Answers with
 * `reply(request, n)` (n counts requests from 1), 204 by default; records
 * every request. `down()` and `up()` stop and restart it on the same port.
 */
export class Receiver {
  readonly requests: Received[] = [];
  /** Requests not yet answered right now, and the most there ever were at once. */
  open = 0;
  maxOpen = 0;
  reply: (req: Received, n: number) => Reply = () => ({ status: 204 });
  private server: Server | undefined;
  private port = 0;
  private readonly hanging = new Set<ServerResponse>();

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  static async start(reply?: (req: Received, n: number) => Reply): Promise<Receiver> {
    const r = new Receiver();
    if (reply) r.reply = reply;
    await r.up();
    return r;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const received: Received = { at: Date.now(), headers, body: Buffer.concat(chunks).toString('utf8'), status: 0 };
      this.requests.push(received);
      this.open++;
      this.maxOpen = Math.max(this.maxOpen, this.open);
      res.on('close', () => {
        this.open--;
        this.hanging.delete(res);
      });
      const reply = this.reply(received, this.requests.length);
      if (reply === 'hang') {
        this.hanging.add(res);
        return;
      }
      const answer = () => {
        if (res.destroyed) return;
        received.status = reply.status;
        res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
        res.end(reply.body ?? '');
      };
      if (reply.delayMs) {
        this.hanging.add(res);
        setTimeout(answer, reply.delayMs);
      } else answer();
    });
  }

  async up(): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const res of this.hanging) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Requests whose webhook-id is `eventId`. */
  forEvent(eventId: string): Received[] {
    return this.requests.filter((r) => r.headers['webhook-id'] === eventId);
  }
}

/** A value that counts as "not yet" for {@link waitFor}. */
type Falsy = false | null | undefined | 0 | '';

/** Polls `check` until it returns a truthy value, and returns it (or fails after `timeoutMs`). */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 15_000, what = 'condition'): Promise<Exclude<T, Falsy>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as Exclude<T, Falsy>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
