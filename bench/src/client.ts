import { readFile } from 'node:fs/promises';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

/** GraphQL over HTTP and graphql-ws, authenticated with the platform's API key, as an integrator would. */
export interface GqlResponse<T> {
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

export class Api {
  constructor(
    readonly url: string,
    readonly wsUrl: string,
    readonly apiKey: string,
  ) {}

  get headers(): Record<string, string> {
    return { authorization: `Bearer ${this.apiKey}` };
  }

  async gql<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
    const send = () =>
      fetch(`${this.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.headers },
        body: JSON.stringify({ query, variables }),
      });
    // A keep-alive socket the server closed just as it was reused fails the request before
    // it reached the server; queries (not mutations) are then sent once more.
    const res = await send().catch((err: unknown) => {
      if (query.trimStart().startsWith('mutation')) throw err;
      return send();
    });
    const body = (await res.json()) as GqlResponse<T>;
    if (body.errors?.length || !body.data) throw new Error(`GraphQL ${res.status}: ${JSON.stringify(body.errors)}`);
    return body.data;
  }

  /**
   * The server's longest event-loop delay (ms) since the last call: prom-client's
   * `nodejs_eventloop_lag_max_seconds`, whose histogram restarts at every scrape. NaN when the
   * server serves no /metrics (it needs METRICS_TOKEN, which the bench sets).
   */
  async serverLoopMaxMs(token: string): Promise<number> {
    const res = await fetch(`${this.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) return Number.NaN;
    const m = /^nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? ([0-9.eE+-]+)$/m.exec(await res.text());
    return m ? Number(m[1]) * 1000 : Number.NaN;
  }

  async createBatch(filename: string): Promise<{ id: string; uploadUrl: string }> {
    const data = await this.gql<{ createUploadBatch: { uploadUrl: string; batch: { id: string } } }>(
      'mutation($input: CreateUploadBatchInput!) { createUploadBatch(input: $input) { uploadUrl batch { id } } }',
      { input: { filename } },
    );
    return { id: data.createUploadBatch.batch.id, uploadUrl: data.createUploadBatch.uploadUrl };
  }

  async putFile(uploadUrl: string, path: string): Promise<void> {
    const body = await readFile(path);
    const res = await fetch(uploadUrl, { method: 'PUT', headers: { 'content-type': 'text/csv', ...this.headers }, body });
    if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
  }

  async batch(id: string): Promise<BatchState> {
    const data = await this.gql<{ uploadBatch: BatchState | null }>(`query($id: ID!) { uploadBatch(id: $id) { ${BATCH_FIELDS} } }`, { id });
    if (!data.uploadBatch) throw new Error(`batch ${id} not found`);
    return data.uploadBatch;
  }

  /** Polls every `everyMs` until the batch reaches one of `statuses`; the time is taken by the caller. */
  async waitFor(id: string, statuses: readonly string[], timeoutMs: number, everyMs = 50): Promise<BatchState> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const b = await this.batch(id);
      if (statuses.includes(b.status)) return b;
      if (['FAILED', 'REJECTED'].includes(b.status)) throw new Error(`batch ${id} ended ${b.status}: ${JSON.stringify(b)}`);
      if (Date.now() > end) throw new Error(`batch ${id} stayed ${b.status} for ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }

  /**
   * Waits until the server answers a trivial query quickly again: after a
   * floor held the SQLite write lock, the server's pollers may still be
   * blocked in better-sqlite3's (synchronous) busy wait.
   */
  async settle(): Promise<void> {
    const end = Date.now() + 30_000;
    let quick = 0;
    while (quick < 3 && Date.now() < end) {
      const start = performance.now();
      await this.gql('{ viewer { role } }');
      quick = performance.now() - start < 100 ? quick + 1 : 0;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async confirm(id: string): Promise<void> {
    await this.gql('mutation($id: ID!) { confirmUploadBatch(id: $id) { status } }', { id });
  }

  async rollback(id: string): Promise<void> {
    await this.gql('mutation($id: ID!) { rollbackUploadBatch(id: $id) { status } }', { id });
  }

  async emailTemplate(): Promise<{ url: string; rowCount: number }> {
    const data = await this.gql<{ emailTemplate: { url: string; rowCount: number } }>('{ emailTemplate { url rowCount } }');
    return data.emailTemplate;
  }

  /** A graphql-ws client on its own socket (one per subscriber, as one browser tab each). */
  wsClient(): Client {
    return createClient({
      url: this.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${this.apiKey}` },
      retryAttempts: 0,
      lazy: false,
    });
  }
}

export const BATCH_FIELDS =
  'id status updatedAt summary { totalRows processedRows additions replacements unchanged skipped invalid warnings applied conflicts failed }';

export interface BatchState {
  id: string;
  status: string;
  updatedAt: string;
  summary: {
    totalRows: number;
    processedRows: number;
    additions: number;
    replacements: number;
    unchanged: number;
    skipped: number;
    invalid: number;
    warnings: number;
    applied: number;
    conflicts: number;
    failed: number;
  };
}
