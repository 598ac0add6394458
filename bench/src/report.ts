import type { Dialect } from './bare.js';
import type { CpuUse, MachineInfo } from './machine.js';
import type { ApplyFloorResult, ApplyResult } from './phases/apply.js';
import type { ConcurrencyResult } from './phases/concurrency.js';
import type { ParallelResult } from './phases/parallel.js';
import type { RollbackFloorResult, RollbackResult } from './phases/rollback.js';
import type { LagResult } from './phases/lag.js';
import type { ReviewResult } from './phases/review.js';
import type { TemplateResult } from './phases/template.js';
import type { SmallFileResult, ValidationResult } from './phases/validate.js';
import type { WebhookResult } from './phases/webhooks.js';
import { median } from './stats.js';

export interface RunResult {
  run: number;
  loadBefore: string;
  loadAfter: string;
  /** The server code this run measured (commit + hash of uncommitted changes). */
  serverState: string;
  /** The server's RSS right after /readyz answered. */
  idleRssMb?: number;
  template?: TemplateResult & { floorMs: number };
  parseFloor?: { ms: number; records: number };
  validation?: Omit<ValidationResult, 'state'> & { summary: ValidationResult['state']['summary'] };
  insertFloor?: { ms: number; rows: number; pkOnlyMs?: number };
  lookupFloor?: { ms: number; ids: number };
  review?: ReviewResult;
  applyFloor?: ApplyFloorResult;
  apply?: Omit<ApplyResult, 'state'> & { applied: number };
  /** The apply of a file in which every row changes an email (the issue's "apply of N rows"). */
  applyAll?: Omit<ApplyResult, 'state'> & { applied: number; validationMs: number };
  applyAllFloor?: ApplyFloorResult;
  /** Rollback of the apply-all batch (every applied row restored, one event each). */
  rollbackAll?: RollbackResult;
  rollbackAllFloor?: RollbackFloorResult;
  lag?: LagResult;
  /** Issue 16: a small file, end of its PUT → VALIDATED, several uploads. */
  small?: SmallFileResult;
  /** Issue 19: a small query under concurrent clients, idle and during an apply. */
  concurrency?: ConcurrencyResult;
  /** Issue 16: two uploads of the file at once against one alone. */
  parallel?: ParallelResult;
  webhooks?: WebhookResult;
  webhookFloor?: WebhookResult;
  errors: string[];
}

export interface DatabaseReport {
  dialect: Dialect;
  rows: number;
  accounts: number;
  templateRows: number;
  uploadBytes: number;
  seedMs: number;
  lagRows: number;
  subscribers: number;
  webhookEvents: number;
  webhooksBuilt: boolean;
  runs: RunResult[];
}

export interface BenchReport {
  startedAt: string;
  machine: MachineInfo;
  options: Record<string, unknown>;
  databases: DatabaseReport[];
  /** Phase windows (CLOCK_MONOTONIC µs, the clock of V8 CPU profiles) for profile-summary. */
  windows: Array<{ dialect: Dialect; run: number; phase: string; startUs: number; endUs: number }>;
}

const n0 = (v: number) => Math.round(v).toLocaleString('en');
const sec = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s` : '—');
const msf = (ms: number) => (Number.isFinite(ms) ? `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms` : '—');
const mb = (v: number) => (Number.isFinite(v) ? `${Math.round(v)} MB` : '—');
const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(1)}×` : '—');
const met = (ok: boolean | null) => (ok === null ? '—' : ok ? 'yes' : '**no**');

function med<T>(runs: RunResult[], pick: (r: RunResult) => T | undefined, value: (t: T) => number): number {
  const vs = runs.map(pick).filter((t): t is T => t !== undefined).map(value).filter(Number.isFinite);
  return median(vs);
}

/** One markdown table per database: result, floor, ratio, target. Every figure is the median of the runs. */
export function renderTable(r: DatabaseReport): string {
  const runs = r.runs;
  const sqlite = r.dialect === 'sqlite';
  /** Where the job's wall time went: server CPU, database CPU (PostgreSQL backends), the rest waiting. */
  const cpuRow = (pick: (x: RunResult) => CpuUse | undefined, jobMs: number) => {
    if (!runs.some((x) => pick(x))) return;
    const server = med(runs, pick, (c) => c.serverS) * 1000;
    const database = med(runs, pick, (c) => c.databaseS) * 1000;
    const pct = (v: number) => (Number.isFinite(jobMs) && jobMs > 0 ? ` (${Math.round((100 * v) / jobMs)} % of the job)` : '');
    row([
      '',
      'CPU: server process / database backends',
      `${sec(server)}${pct(server)} / ${sqlite ? 'in-process' : `${sec(database)}${pct(database)}`}`,
      '',
      '',
      '',
      '',
    ]);
  };
  /** Absolute time targets are stated for 500,000 rows; smaller runs show them without a verdict. */
  const atScale = r.rows >= 500_000;
  const lines: string[] = [];
  const row = (cells: string[]) => lines.push(`| ${cells.join(' | ')} |`);
  const name = sqlite ? 'SQLite' : 'PostgreSQL';
  lines.push(
    `### ${name}: ${n0(r.rows)}-row upload, ${n0(r.accounts)} accounts (template ${n0(r.templateRows)} rows, file ${(r.uploadBytes / 2 ** 20).toFixed(1)} MiB); median of ${runs.length} run${runs.length > 1 ? 's' : ''}`,
  );
  lines.push('');
  lines.push(`load average (1/5/15 min) before each run: ${runs.map((x) => x.loadBefore).join(' · ')}; after: ${runs.map((x) => x.loadAfter).join(' · ')}`);
  lines.push('');
  row(['phase', 'measure', 'result', 'floor (bare libraries)', 'ratio', 'target', 'met']);
  row(['---', '---', '---:', '---', '---:', '---', '---']);

  if (runs.some((x) => x.template)) {
    const t = med(runs, (x) => x.template, (v) => v.ms);
    const f = med(runs, (x) => x.template, (v) => v.floorMs);
    const rss = med(runs, (x) => x.template, (v) => v.peakRssMb);
    row([
      `template export (${n0(r.templateRows)} rows)`,
      'time',
      sec(t),
      `${sec(f)} driver select + @fast-csv/format`,
      ratio(t, f),
      '≤ 3 s for 500k accounts',
      atScale ? met(t <= 3_000) : 'n/a below 500k',
    ]);
    row(['', 'peak server RSS', mb(rss), '', '', '≤ 300 MB', met(rss <= 300)]);
  }
  if (runs.some((x) => x.validation)) {
    const v = med(runs, (x) => x.validation, (s) => s.ms);
    const job = med(runs, (x) => x.validation, (s) => s.jobMs ?? Number.NaN);
    const parse = med(runs, (x) => x.parseFloor, (s) => s.ms);
    const insert = med(runs, (x) => x.insertFloor, (s) => s.ms);
    const rss = med(runs, (x) => x.validation, (s) => s.peakRssMb);
    const limit = sqlite ? 1.5 : 2;
    row(['upload → VALIDATED', 'time (PUT start → VALIDATED)', sec(v), `${sec(parse)} @fast-csv/parse alone`, ratio(v, parse), `≤ ${limit}× parse`, met(v <= limit * parse)]);
    row(['', 'validation job alone (server log)', sec(job), `${sec(insert)} bulk insert (${sqlite ? 'prepared stmt, 1 tx' : 'COPY, 1 tx'})`, ratio(job, insert), '', '']);
    row(['', '', '', `${sec(parse + insert)} parse + insert`, ratio(v, parse + insert), '', '']);
    if (runs.some((x) => x.lookupFloor)) {
      const lookup = med(runs, (x) => x.lookupFloor, (s) => s.ms);
      const pkOnly = med(runs, (x) => x.insertFloor, (s) => s.pkOnlyMs ?? Number.NaN);
      row(['', '', '', `${sec(lookup)} account lookups (id in 1,000)`, '', '', '']);
      row(['', '', '', `${sec(parse + lookup + insert)} parse + lookup + insert`, ratio(v, parse + lookup + insert), '', '']);
      row(['', '', '', `${sec(pkOnly)} what-if: insert, primary key only`, '', '', '']);
    }
    const put = med(runs, (x) => x.validation, (s) => s.putMs ?? Number.NaN);
    const first = med(runs, (x) => x.validation, (s) => s.firstProblemMs ?? Number.NaN);
    row(['', 'the PUT alone (start → 202)', sec(put), '', '', '', '']);
    row([
      '',
      'end of the PUT → first problem row on an uploadBatchProblemRows subscriber',
      msf(first),
      '',
      '',
      '≤ 1 s (500k rows)',
      r.rows >= 500_000 ? met(first <= 1_000) : 'n/a below 500k',
    ]);
    row(['', 'peak server RSS', mb(rss), '', '', '≤ 300 MB', met(rss <= 300)]);
    cpuRow((x) => x.validation?.cpu, job);
  }
  if (runs.some((x) => x.small)) {
    const all = runs.flatMap((x) => x.small?.putEndToValidatedMs ?? []);
    const jobs = runs.flatMap((x) => x.small?.jobMs ?? []);
    const smallRows = med(runs, (x) => x.small, (s) => s.rows);
    const parse = med(runs, (x) => x.small, (s) => s.parseMs);
    const m = median(all);
    row([
      `small file (${n0(smallRows)} rows), ${all.length} uploads`,
      'end of the PUT → VALIDATED, median (min–max)',
      `${msf(m)} (${msf(Math.min(...all))}–${msf(Math.max(...all))})`,
      `${msf(parse)} @fast-csv/parse alone`,
      ratio(m, parse),
      '≤ 300 ms median',
      met(m <= 300),
    ]);
    row(['', 'validation job alone (server log), median', msf(median(jobs)), '', '', '', '']);
  }
  if (runs.some((x) => x.review)) {
    for (const [label, key, floorKey] of [
      ['no filter', 'plain', 'floorPlain'],
      ['filtered', 'filtered', 'floorFiltered'],
    ] as const) {
      const p50 = med(runs, (x) => x.review, (s) => s[key].p50);
      const p95 = med(runs, (x) => x.review, (s) => s[key].p95);
      const f95 = med(runs, (x) => x.review, (s) => s[floorKey].p95);
      const f50 = med(runs, (x) => x.review, (s) => s[floorKey].p50);
      const samples = runs[0].review?.[key].samples ?? 0;
      row([
        `review page of 100, ${label} (${samples} pages)`,
        'p50 / p95',
        `${msf(p50)} / ${msf(p95)}`,
        `${msf(f50)} / ${msf(f95)} same keyset page query, bare driver`,
        ratio(p95, f95),
        '≤ 25 ms p95',
        met(p95 <= 25),
      ]);
    }
    const built = med(runs, (x) => x.review, (s) => s.searchIndexMs ?? Number.NaN);
    const unindexed = med(runs, (x) => x.review, (s) => s.searchUnindexedMs);
    const job = med(runs, (x) => x.review, (s) => s.searchIndexJobMs ?? Number.NaN);
    row(['search index of the batch', 'first search (reads every row) / build until published', `${msf(unindexed)} / ${sec(built)}`, `build job alone (server log) ${sec(job)}`, '', '', '']);
    const filters = Object.keys(runs.find((x) => x.review?.byFilter)?.review?.byFilter ?? {});
    for (const f of filters) {
      const p50 = med(runs, (x) => x.review?.byFilter?.[f], (s) => s.p50);
      const p95 = med(runs, (x) => x.review?.byFilter?.[f], (s) => s.p95);
      row(['', `filter ${f.replace(/"/g, '').replace(/\|/g, '/')}`, `${msf(p50)} / ${msf(p95)}`, '', '', '', met(p95 <= 25)]);
    }
  }
  if (runs.some((x) => x.apply)) {
    const a = med(runs, (x) => x.apply, (s) => s.ms);
    const job = med(runs, (x) => x.apply, (s) => s.jobMs ?? Number.NaN);
    const applied = med(runs, (x) => x.apply, (s) => s.applied);
    const upd = med(runs, (x) => x.applyFloor, (s) => s.updateMs);
    const out = med(runs, (x) => x.applyFloor, (s) => s.withOutboxMs);
    const rss = med(runs, (x) => x.apply, (s) => s.peakRssMb);
    row([
      `confirm → COMPLETED (${n0(applied)} rows applied + events)`,
      'time',
      sec(a),
      `${sec(upd)} set-based UPDATE … FROM`,
      ratio(a, upd),
      sqlite ? 'see the all-changes row' : '(SQLite target only)',
      '—',
    ]);
    row(['', 'apply job alone (server log)', sec(job), `${sec(out)} + row status + outbox insert…select`, ratio(job, out), '', '']);
    row(['', 'peak server RSS', mb(rss), '', '', '≤ 300 MB', met(rss <= 300)]);
    cpuRow((x) => x.apply?.cpu, job);
  }
  if (runs.some((x) => x.applyAll)) {
    const a = med(runs, (x) => x.applyAll, (s) => s.ms);
    const job = med(runs, (x) => x.applyAll, (s) => s.jobMs ?? Number.NaN);
    const applied = med(runs, (x) => x.applyAll, (s) => s.applied);
    const upd = med(runs, (x) => x.applyAllFloor, (s) => s.updateMs);
    const out = med(runs, (x) => x.applyAllFloor, (s) => s.withOutboxMs);
    const rss = med(runs, (x) => x.applyAll, (s) => s.peakRssMb);
    const v = med(runs, (x) => x.applyAll, (s) => s.validationMs);
    row([
      `confirm → COMPLETED, every row changes (${n0(applied)} rows applied + events)`,
      'time',
      sec(a),
      `${sec(upd)} set-based UPDATE … FROM`,
      ratio(a, upd),
      sqlite ? '≤ 10 s for 500k rows' : '(SQLite target only)',
      sqlite && atScale ? met(a <= 10_000) : sqlite ? 'n/a below 500k' : '—',
    ]);
    row(['', 'apply job alone (server log)', sec(job), `${sec(out)} + row status + outbox insert…select`, ratio(job, out), '', '']);
    row(['', 'µs per applied row (job)', (job * 1000 / applied).toFixed(1), '', '', '≤ 20 µs', sqlite ? met((job * 1000) / applied <= 20) : '—']);
    row(['', 'peak server RSS', mb(rss), '', '', '≤ 300 MB', met(rss <= 300)]);
    row(['', 'its upload → VALIDATED (not a target)', sec(v), '', '', '', '']);
    cpuRow((x) => x.applyAll?.cpu, job);
    if (runs.some((x) => x.rollbackAll)) {
      const r = med(runs, (x) => x.rollbackAll, (s) => s.ms);
      const rjob = med(runs, (x) => x.rollbackAll, (s) => s.jobMs ?? Number.NaN);
      const restored = med(runs, (x) => x.rollbackAll, (s) => s.rolledBack);
      const rupd = med(runs, (x) => x.rollbackAllFloor, (s) => s.updateMs);
      const rout = med(runs, (x) => x.rollbackAllFloor, (s) => s.withOutboxMs);
      const rrss = med(runs, (x) => x.rollbackAll, (s) => s.peakRssMb);
      const perApply = (job * 1000) / applied;
      const perRollback = (rjob * 1000) / restored;
      row([
        `rollbackUploadBatch → ROLLED_BACK, the same batch (${n0(restored)} accounts restored + events)`,
        'time',
        sec(r),
        `${sec(rupd)} set-based restore UPDATE … FROM`,
        ratio(r, rupd),
        '',
        '',
      ]);
      row(['', 'rollback job alone (server log)', sec(rjob), `${sec(rout)} + row status + outbox insert…select`, ratio(rjob, rout), '', '']);
      row(['', 'µs per restored row (job)', perRollback.toFixed(1), '', '', `≤ apply's ${perApply.toFixed(1)}`, met(perRollback <= perApply)]);
      row(['', 'peak server RSS', mb(rrss), '', '', '≤ 300 MB', met(rrss <= 300)]);
      cpuRow((x) => x.rollbackAll?.cpu, rjob);
    }
  }
  if (runs.some((x) => x.lag)) {
    const p50 = med(runs, (x) => x.lag, (s) => s.p50);
    const p99 = med(runs, (x) => x.lag, (s) => s.p99);
    const pv = med(runs, (x) => x.lag, (s) => s.p99Validating);
    const pa = med(runs, (x) => x.lag, (s) => s.p99Applying);
    const samples = med(runs, (x) => x.lag, (s) => s.samples);
    row([
      `subscription lag, ${r.subscribers} subscribers, ${n0(r.lagRows)}-row batch (${n0(samples)} events)`,
      'p50 / p99',
      `${msf(p50)} / ${msf(p99)}`,
      `p99 validating ${msf(pv)}, applying ${msf(pa)}`,
      '',
      '≤ 250 ms p99',
      met(p99 <= 250),
    ]);
  }
  if (runs.some((x) => x.parallel)) {
    const p = (pick: (v: ParallelResult) => number) => med(runs, (x) => x.parallel, pick);
    const one = p((v) => v.oneMs);
    const both = p((v) => v.bothMs);
    row([
      'two uploads of the file at once (one platform, two batches)',
      'first PUT → both VALIDATED',
      `${sec(both)} (each ${sec(p((v) => v.eachMs[0]))}, ${sec(p((v) => v.eachMs[1]))}); peak RSS ${mb(p((v) => v.peakRssMb))}`,
      `${sec(one)} one upload alone, same run`,
      ratio(both, one),
      '≤ 2.2× one',
      met(both <= 2.2 * one),
    ]);
    const q99 = p((v) => v.smallQuery.p99);
    row([
      '',
      'small query (viewer) meanwhile, one client: p50 / p99 / max',
      `${msf(p((v) => v.smallQuery.p50))} / ${msf(q99)} / ${msf(p((v) => v.smallQuery.max))}`,
      `longest event-loop delay of the server ${msf(p((v) => v.serverLoopMaxMs))}`,
      '',
      '≤ 100 ms p99',
      met(q99 <= 100),
    ]);
  }
  if (runs.some((x) => x.concurrency)) {
    const c = (pick: (v: ConcurrencyResult) => number) => med(runs, (x) => x.concurrency, pick);
    const clients = c((v) => v.clients);
    const idleP99 = c((v) => v.idle.p99);
    row([
      `small query (viewer), ${n0(clients)} concurrent clients`,
      'idle p50 / p99 / max',
      `${msf(c((v) => v.idle.p50))} / ${msf(idleP99)} / ${msf(c((v) => v.idle.max))}`,
      `${n0(c((v) => v.idle.samples))} queries in 3 s; server CPU ${c((v) => v.idleCpuMsPerQuery).toFixed(2)} ms per query`,
      '',
      '≤ 100 ms p99',
      met(idleP99 <= 100),
    ]);
    row([
      '',
      'first wave after start (cold) p50 / max',
      `${msf(c((v) => v.coldWave?.p50 ?? Number.NaN))} / ${msf(c((v) => v.coldWave?.max ?? Number.NaN))}`,
      '',
      '',
      '',
      '',
    ]);
    const p99 = c((v) => v.applying.p99);
    const max = c((v) => v.applying.max);
    row([
      '',
      `during an apply (${sec(c((v) => v.applyMs))}) p50 / p99 / max`,
      `${msf(c((v) => v.applying.p50))} / ${msf(p99)} / ${msf(max)}`,
      `read on its own connection: p99 ${msf(c((v) => v.bareRead.p99))}, max ${msf(c((v) => v.bareRead.max))}; longest event-loop delay, server / bench: idle ${msf(c((v) => v.loopMax?.idleServer ?? Number.NaN))} / ${msf(c((v) => v.loopMax?.idleBench ?? Number.NaN))}, applying ${msf(c((v) => v.loopMax?.applyServer ?? Number.NaN))} / ${msf(c((v) => v.loopMax?.applyBench ?? Number.NaN))}`,
      '',
      '≤ 250 ms p99, ≤ 1 s worst',
      met(p99 <= 250 && max <= 1_000),
    ]);
  }
  if (!r.webhooksBuilt) {
    row(['webhook delivery', 'events/s', 'TODO: not measured: webhook delivery not built yet', '', '', '≥ 1,000/s', '—']);
  } else if (runs.some((x) => x.webhooks)) {
    const rate = med(runs, (x) => x.webhooks, (s) => s.rate);
    const e2e = med(runs, (x) => x.webhooks, (s) => s.endToEndMs);
    const floor = med(runs, (x) => x.webhookFloor, (s) => s.rate);
    row([
      `webhook delivery, ${n0(r.webhookEvents)} events, loopback receiver`,
      'events/s (first → last receipt)',
      n0(rate),
      `${n0(floor)}/s undici keep-alive, same concurrency, signed`,
      ratio(floor, rate),
      '≥ 1,000/s',
      met(rate >= 1000),
    ]);
    row(['', 'confirm → last event received', sec(e2e), '', '', '', '']);
  }
  const states = [...new Set(runs.map((x) => x.serverState))];
  lines.push('', `server code measured: ${states.join('; ')}; idle server RSS after start: ${mb(med(runs, (x) => x.idleRssMb, (v) => v))}`);
  const errors = runs.flatMap((x) => x.errors.map((e) => `run ${x.run}: ${e}`));
  if (errors.length) lines.push('', ...errors.map((e) => `- ${e}`));
  return lines.join('\n');
}
