import type { Api } from '../client.js';
import type { GeneratedUpload } from '../generate.js';
import { watchPeak } from '../machine.js';
import { since } from '../stats.js';
import { BENCH_METRICS_TOKEN, type LatencySummary, SMALL_QUERY, summary } from './concurrency.js';

export interface ParallelResult {
  /** One upload alone: PUT start → VALIDATED. */
  oneMs: number;
  /** Two uploads started together: first PUT start → both VALIDATED. */
  bothMs: number;
  /** Each of the two, PUT start → VALIDATED. */
  eachMs: [number, number];
  /** A client sending issue 19's small query back to back while the two run. */
  smallQuery: LatencySummary;
  /** The server's longest event-loop delay while the two run (its /metrics). */
  serverLoopMaxMs: number;
  peakRssMb: number;
  batchIds: string[];
}

async function uploadAndValidate(api: Api, upload: GeneratedUpload, name: string, timeoutMs: number): Promise<{ id: string; ms: number }> {
  const { id, uploadUrl } = await api.createBatch(name);
  const start = performance.now();
  await api.putFile(uploadUrl, upload.path);
  await api.waitFor(id, ['VALIDATED'], timeoutMs, 100);
  return { id, ms: since(start) };
}

/**
 * Issue 16, deliverable 6: the same file uploaded once, then twice at the same time, on one
 * platform (two batches validated side by side: two parse workers, two jobs writing), while one
 * client sends the small query back to back. `reset` removes a batch's rows between the steps.
 */
export async function measureParallel(
  api: Api,
  serverPid: number,
  upload: GeneratedUpload,
  timeoutMs: number,
  reset: (batchId: string) => Promise<void>,
): Promise<ParallelResult> {
  const one = await uploadAndValidate(api, upload, 'one.csv', timeoutMs);
  await reset(one.id);
  await api.serverLoopMaxMs(BENCH_METRICS_TOKEN);
  const peak = watchPeak(serverPid);
  const latencies: number[] = [];
  let running = true;
  const prober = (async () => {
    while (running) {
      const t = performance.now();
      await api.gql(SMALL_QUERY);
      latencies.push(since(t));
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const start = performance.now();
  let both: Array<{ id: string; ms: number }>;
  try {
    both = await Promise.all([uploadAndValidate(api, upload, 'a.csv', timeoutMs), uploadAndValidate(api, upload, 'b.csv', timeoutMs)]);
  } finally {
    running = false;
    await prober;
  }
  const bothMs = since(start);
  const serverLoopMaxMs = await api.serverLoopMaxMs(BENCH_METRICS_TOKEN);
  const peakRssMb = peak.stop();
  for (const b of both) await reset(b.id);
  return {
    oneMs: one.ms,
    bothMs,
    eachMs: [both[0].ms, both[1].ms],
    smallQuery: summary(latencies),
    serverLoopMaxMs,
    peakRssMb,
    batchIds: both.map((b) => b.id),
  };
}
