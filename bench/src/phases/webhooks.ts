import { createHmac, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { Agent, request } from 'undici';
import type { Api } from '../client.js';
import type { GeneratedUpload } from '../generate.js';
import { since } from '../stats.js';

/** Whether the webhook delivery worker exists in this checkout (it was built after the bench). */
export function webhooksBuilt(): boolean {
  return existsSync(resolve(import.meta.dirname, '../../../server/src/modules/webhooks/delivery.worker.ts'));
}

/** A loopback receiver answering 204 at once; counts distinct webhook-ids. */
class Receiver {
  readonly ids = new Set<string>();
  requests = 0;
  firstAt = 0;
  lastAt = 0;
  bytes = 0;
  private server: Server | undefined;
  private target = Number.POSITIVE_INFINITY;
  private reached: (() => void) | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      req.on('data', (c: Buffer) => {
        this.bytes += c.length;
      });
      req.on('end', () => {
        const now = performance.now();
        if (this.requests === 0) this.firstAt = now;
        this.requests++;
        const id = req.headers['webhook-id'];
        if (typeof id === 'string') this.ids.add(id);
        this.lastAt = now;
        res.writeHead(204).end();
        if (this.ids.size >= this.target) this.reached?.();
      });
    });
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((done) => this.server?.listen(0, '127.0.0.1', () => done()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  waitFor(count: number, timeoutMs: number): Promise<void> {
    this.target = count;
    return new Promise<void>((done, fail) => {
      if (this.ids.size >= count) return done();
      const timer = setTimeout(() => fail(new Error(`webhooks: ${this.ids.size} of ${count} received in ${timeoutMs} ms`)), timeoutMs);
      this.reached = () => {
        clearTimeout(timer);
        done();
      };
    });
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((done) => this.server?.close(() => done()));
  }
}

export interface WebhookResult {
  events: number;
  /** Distinct events per second at the receiver, first to last receipt. */
  rate: number;
  /** confirmUploadBatch to the last event received. */
  endToEndMs: number;
  /** Requests received (≥ events when some were retried). */
  requests: number;
}

/**
 * One webhook endpoint pointing at a loopback receiver, then a batch giving
 * every one of `upload.rows` accounts a new email: its apply records exactly
 * that many account.updated events, which the worker fans out and delivers.
 */
export async function measureWebhooks(api: Api, upload: GeneratedUpload, timeoutMs: number): Promise<WebhookResult & { batchId: string }> {
  const receiver = new Receiver();
  await receiver.start();
  const created = await api.gql<{ createWebhookEndpoint: { endpoint: { id: string } } }>(
    'mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } secret } }',
    { input: { url: receiver.url, description: 'bench receiver' } },
  );
  const endpointId = created.createWebhookEndpoint.endpoint.id;
  try {
    const { id, uploadUrl } = await api.createBatch('webhooks.csv');
    await api.putFile(uploadUrl, upload.path);
    await api.waitFor(id, ['VALIDATED'], timeoutMs, 200);
    const start = performance.now();
    await api.confirm(id);
    await receiver.waitFor(upload.rows, timeoutMs);
    const endToEndMs = since(start);
    const seconds = (receiver.lastAt - receiver.firstAt) / 1000;
    await api.waitFor(id, ['COMPLETED'], timeoutMs, 200);
    return { batchId: id, events: receiver.ids.size, rate: receiver.ids.size / seconds, endToEndMs, requests: receiver.requests };
  } finally {
    await api.gql('mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', { id: endpointId }).catch(() => undefined);
    await receiver.stop();
  }
}

/**
 * Floor: the bench process itself POSTs the same number of Standard-Webhooks-
 * signed event bodies (HMAC-SHA256) to a loopback receiver with undici
 * keep-alive, at the server's per-endpoint concurrency.
 */
export async function webhookFloor(events: number, concurrency: number): Promise<WebhookResult> {
  const receiver = new Receiver();
  await receiver.start();
  const agent = new Agent({ keepAliveTimeout: 4_000 });
  const key = randomBytes(32);
  const body = (i: number) =>
    JSON.stringify({
      id: `evt_floor${i}`,
      object: 'event',
      type: 'account.updated',
      created: Math.floor(Date.now() / 1000),
      data: {
        object: { id: `acct_floor${i}`, object: 'account', email: `hook.${i}@bench.example`, business_name: 'Golden Bakery LLC', first_name: 'Amelia', last_name: 'Martin' },
        previous_attributes: { email: `amelia.martin${i}@example.com` },
      },
      upload_batch: 'ub_floor',
    });
  let next = 0;
  const start = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= events) return;
      const payload = body(i);
      const msgId = `evt_floor${i}`;
      const ts = String(Math.floor(Date.now() / 1000));
      const signature = `v1,${createHmac('sha256', key).update(`${msgId}.${ts}.${payload}`).digest('base64')}`;
      const res = await request(receiver.url, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json', 'webhook-id': msgId, 'webhook-timestamp': ts, 'webhook-signature': signature },
        body: payload,
      });
      await res.body.dump();
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
    const ms = since(start);
    return { events: receiver.ids.size, rate: receiver.ids.size / ((receiver.lastAt - receiver.firstAt) / 1000), endToEndMs: ms, requests: receiver.requests };
  } finally {
    await agent.close();
    await receiver.stop();
  }
}
