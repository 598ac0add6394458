import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Api } from '../client.js';
import type { BareDb } from '../bare.js';
import type { GeneratedUpload } from '../generate.js';
import { watchCpu } from '../machine.js';
import { percentile, since } from '../stats.js';

/** The "small query" of issue 19: one round trip that authenticates and reads one row. */
export const SMALL_QUERY = '{ viewer { role platform { id } } }';

export interface LatencySummary {
  samples: number;
  p50: number;
  p99: number;
  max: number;
}

export interface ConcurrencyResult {
  batchId: string;
  clients: number;
  /**
   * The first requests of the server's life on this path (one wave of `clients` at once, then
   * waited for): JIT and first-use work, reported apart so it does not hide in the steady state.
   */
  coldWave: LatencySummary;
  /** The same load with nothing else running (after the cold wave). */
  idle: LatencySummary;
  /** Server CPU (all its threads) per small query while idle: the per-request cost, which the load does not change much. */
  idleCpuMsPerQuery: number;
  /** While the apply of every row of the file runs. */
  applying: LatencySummary;
  /** A read on a connection of its own (outside the server), every 20 ms during the apply: the database alone. */
  bareRead: LatencySummary;
  applyMs: number;
  /**
   * The longest event-loop delay (ms) of each process in each window: the server's (from its
   * /metrics) and this bench process's own, whose 50 clients run on the same 2 cores. A request's
   * worst time well above both was lost between them (the kernel's scheduling, the socket).
   */
  loopMax?: { idleServer: number; idleBench: number; applyServer: number; applyBench: number };
}

/** The bench server's METRICS_TOKEN (main.ts sets it), to read the server's event-loop delay. */
export const BENCH_METRICS_TOKEN = 'bench-metrics-token-not-a-secret';

/** This process's longest event-loop delay (ms) while `fn` runs. */
async function benchLoopMax<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  try {
    return [await fn(), h.max / 1e6];
  } finally {
    h.disable();
  }
}

export function summary(values: readonly number[]): LatencySummary {
  return {
    samples: values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: values.length ? Math.max(...values) : Number.NaN,
  };
}

/** `clients` closed-loop clients sending the small query until `stop` resolves; latencies in ms. */
async function load(api: Api, clients: number, stop: Promise<void>): Promise<{ latencies: number[]; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  let stopped = false;
  void stop.then(() => {
    stopped = true;
  });
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (!stopped) {
        const start = performance.now();
        try {
          await api.gql(SMALL_QUERY);
          latencies.push(since(start));
        } catch {
          errors++;
        }
      }
    }),
  );
  return { latencies, errors };
}

/**
 * Issue 19's probe: under `clients` concurrent clients, how long a small query takes, first with
 * nothing else running, then while an apply of the whole file runs. A read on a separate
 * connection tells the database's share (SQLite readers do not wait for the WAL writer) from the
 * server's own (its connection pool, its event loop).
 */
export async function measureConcurrency(
  serverPid: number,
  api: Api,
  bare: BareDb,
  upload: GeneratedUpload,
  clients: number,
  timeoutMs: number,
): Promise<ConcurrencyResult> {
  const { id, uploadUrl } = await api.createBatch('concurrency.csv');
  await api.putFile(uploadUrl, upload.path);
  await api.waitFor(id, ['VALIDATED'], timeoutMs, 200);

  const coldWave = await Promise.all(
    Array.from({ length: clients }, async () => {
      const start = performance.now();
      await api.gql(SMALL_QUERY);
      return since(start);
    }),
  );
  const cpu = await watchCpu(serverPid, async () => []);
  await api.serverLoopMaxMs(BENCH_METRICS_TOKEN);
  const [idle, idleBench] = await benchLoopMax(() => load(api, clients, new Promise((done) => setTimeout(done, 3_000))));
  const idleServer = await api.serverLoopMaxMs(BENCH_METRICS_TOKEN);
  const idleCpu = await cpu.stop();

  let finish: () => void = () => undefined;
  const finished = new Promise<void>((done) => {
    finish = done;
  });
  const bareLatencies: number[] = [];
  const bareLoop = (async () => {
    let stopped = false;
    void finished.then(() => {
      stopped = true;
    });
    while (!stopped) {
      const start = performance.now();
      await bare.query('select count(*) as n from platform');
      bareLatencies.push(since(start));
      await new Promise((done) => setTimeout(done, 20));
    }
  })();
  await api.serverLoopMaxMs(BENCH_METRICS_TOKEN);
  const start = performance.now();
  const [{ applyMs, during }, applyBench] = await benchLoopMax(async () => {
    await api.confirm(id);
    const applying = load(api, clients, finished);
    try {
      await api.waitFor(id, ['COMPLETED'], timeoutMs, 250);
    } finally {
      finish();
    }
    return { applyMs: since(start), during: await applying };
  });
  const applyServer = await api.serverLoopMaxMs(BENCH_METRICS_TOKEN);
  await bareLoop;
  if (during.errors + idle.errors > 0) throw new Error(`${during.errors + idle.errors} small queries failed`);
  return {
    batchId: id,
    clients,
    coldWave: summary(coldWave),
    idle: summary(idle.latencies),
    idleCpuMsPerQuery: (idleCpu.serverS * 1000) / Math.max(1, idle.latencies.length),
    applying: summary(during.latencies),
    bareRead: summary(bareLatencies),
    applyMs,
    loopMax: { idleServer, idleBench, applyServer, applyBench },
  };
}
