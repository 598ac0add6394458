import type { Client } from 'graphql-ws';
import type { Api } from '../client.js';
import type { GeneratedUpload } from '../generate.js';
import { percentile, since } from '../stats.js';

const SUBSCRIPTION = `subscription($id: ID!) { uploadBatchUpdated(id: $id) { id status updatedAt summary { processedRows applied } } }`;

interface Snapshot {
  uploadBatchUpdated: { id: string; status: string; updatedAt: string; summary: { processedRows: number; applied: number } };
}

export interface LagResult {
  batchId: string;
  p50: number;
  p99: number;
  max: number;
  samples: number;
  /** p99 of the events received while VALIDATING, and while APPLYING. */
  p99Validating: number;
  p99Applying: number;
  /** Upload to COMPLETED with the subscribers attached. */
  totalMs: number;
}

/**
 * `subscribers` graphql-ws clients (one socket each) subscribe to
 * uploadBatchUpdated on one batch, which is then uploaded, validated,
 * confirmed and applied. For every event after the first (the initial read),
 * lag = client receipt time − the snapshot's updatedAt (set by the job in the
 * chunk's transaction; same machine clock). Includes the 100 ms throttle.
 */
export async function measureLag(api: Api, upload: GeneratedUpload, subscribers: number, timeoutMs: number): Promise<LagResult> {
  const { id, uploadUrl } = await api.createBatch('lag.csv');
  const lags: Array<{ status: string; ms: number }> = [];
  const clients: Client[] = [];
  let validatedResolve: (() => void) | undefined;
  const validated = new Promise<void>((resolve) => {
    validatedResolve = resolve;
  });
  const subscribed: Promise<void>[] = [];
  const completed: Promise<void>[] = [];
  for (let i = 0; i < subscribers; i++) {
    const client = api.wsClient();
    clients.push(client);
    let first = true;
    let firstResolve: (() => void) | undefined;
    subscribed.push(
      new Promise<void>((resolve) => {
        firstResolve = resolve;
      }),
    );
    completed.push(
      new Promise<void>((resolve, reject) => {
        client.subscribe<Snapshot>(
          { query: SUBSCRIPTION, variables: { id } },
          {
            next: (value) => {
              const at = Date.now();
              const b = value.data?.uploadBatchUpdated;
              if (!b) return;
              if (first) {
                first = false;
                firstResolve?.();
                return;
              }
              lags.push({ status: b.status, ms: at - Date.parse(b.updatedAt) });
              if (b.status === 'VALIDATED') validatedResolve?.();
            },
            error: (err) => reject(err instanceof Error ? err : new Error(JSON.stringify(err))),
            complete: () => resolve(),
          },
        );
      }),
    );
  }
  const start = performance.now();
  try {
    await Promise.all(subscribed);
    await api.putFile(uploadUrl, upload.path);
    await Promise.race([validated, api.waitFor(id, ['VALIDATED'], timeoutMs, 500)]);
    await api.confirm(id);
    await Promise.race([
      Promise.all(completed),
      new Promise((_, reject) => setTimeout(() => reject(new Error('lag phase timed out')), timeoutMs)),
    ]);
  } finally {
    for (const c of clients) await c.dispose();
  }
  const all = lags.map((l) => l.ms);
  const of = (status: string) => lags.filter((l) => l.status === status).map((l) => l.ms);
  return {
    batchId: id,
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    max: Math.max(...all),
    samples: all.length,
    p99Validating: percentile(of('VALIDATING'), 99),
    p99Applying: percentile(of('APPLYING'), 99),
    totalMs: since(start),
  };
}
