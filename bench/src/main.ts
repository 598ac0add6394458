import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type BenchOptions, type Phase, parseArgs } from './args.js';
import { type BareDb, createBenchDatabase, type Dialect, postgresAvailable } from './bare.js';
import { Api } from './client.js';
import { accountFacts, accountsFor, type GeneratedUpload, readTemplate, seedPlatform, writeAllChangesCsv, writeUploadCsv } from './generate.js';
import { loadNow, machineInfo, rssMb, serverState } from './machine.js';
import { applyFloor, measureApply, resetAfterBatch } from './phases/apply.js';
import { BENCH_METRICS_TOKEN, measureConcurrency } from './phases/concurrency.js';
import { measureRollback, rollbackFloor } from './phases/rollback.js';
import { measureLag } from './phases/lag.js';
import { measureParallel } from './phases/parallel.js';
import { measureReview } from './phases/review.js';
import { measureTemplate, templateFloor } from './phases/template.js';
import { insertFloor, lookupFloor, measureSmallFiles, measureValidation, parseFloor } from './phases/validate.js';
import { measureWebhooks, webhookFloor, webhooksBuilt } from './phases/webhooks.js';
import { type BenchReport, type DatabaseReport, type RunResult, renderTable } from './report.js';
import { type BenchServer, startServer } from './server.js';
import { since } from './stats.js';

const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const monoUs = () => Number(process.hrtime.bigint() / 1000n);
/** Generous: a phase that takes this long is broken, not slow. */
const PHASE_TIMEOUT_MS = 30 * 60_000;
/** The server's default per-endpoint concurrency (WEBHOOK_CONCURRENCY_PER_ENDPOINT). */
const WEBHOOK_CONCURRENCY = 10;
/** Issue 16: a small file is 5,000 rows, uploaded this many times (median). */
const SMALL_FILE_ROWS = 5_000;
const SMALL_FILE_UPLOADS = 5;

interface Files {
  upload: GeneratedUpload;
  /** Every row gives its account a new email: the apply-all phase. */
  all?: GeneratedUpload;
  lag: GeneratedUpload;
  /** Issue 16's small file (5,000 rows, or the run's rows if fewer). */
  small: GeneratedUpload;
  hooks: GeneratedUpload;
  templateRows: number;
}

async function benchDatabase(dialect: Dialect, opts: BenchOptions, report: BenchReport, runDir: string): Promise<DatabaseReport> {
  const database = await createBenchDatabase(dialect);
  const accounts = opts.accounts ?? accountsFor(opts.rows);
  const out: DatabaseReport = {
    dialect,
    rows: opts.rows,
    accounts,
    templateRows: 0,
    uploadBytes: 0,
    seedMs: 0,
    lagRows: opts.lagRows,
    subscribers: opts.subscribers,
    webhookEvents: opts.webhookEvents,
    webhooksBuilt: webhooksBuilt(),
    runs: [],
  };
  let bare: BareDb | undefined;
  try {
    log(`${dialect}: seeding ${accounts.toLocaleString('en')} accounts with createPlatform`);
    const seedStart = performance.now();
    const platform = await seedPlatform(database.url, accounts);
    out.seedMs = since(seedStart);
    log(`${dialect}: seeded in ${(out.seedMs / 1000).toFixed(1)} s`);
    bare = await database.connect();
    let files: Files | undefined;
    for (let run = 1; run <= opts.runs; run++) {
      const result: RunResult = { run, loadBefore: loadNow(), loadAfter: '', serverState: serverState(), errors: [] };
      out.runs.push(result);
      const profileDir = opts.profile ? join(runDir, 'profiles', `${dialect}-run${run}`) : undefined;
      if (profileDir) mkdirSync(profileDir, { recursive: true });
      const server: BenchServer = await startServer({
        databaseUrl: database.url,
        uploadDir: join(database.dir, 'uploads'),
        profileDir,
        // Every batch gets its search index on its first search, so --quick measures that path too.
        env: { SEARCH_INDEX_MIN_ROWS: '0', METRICS_TOKEN: BENCH_METRICS_TOKEN, ...(opts.serverNodeOptions ? { NODE_OPTIONS: opts.serverNodeOptions } : {}) },
      });
      result.idleRssMb = rssMb(server.pid);
      const api = new Api(server.url, server.wsUrl, platform.apiKey);
      const phase = async <T>(name: Phase | string, fn: () => Promise<T>): Promise<T | undefined> => {
        const startUs = monoUs();
        log(`${dialect} run ${run}: ${name}`);
        try {
          return await fn();
        } catch (err) {
          result.errors.push(`${name}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
          log(`${dialect} run ${run}: ${name} failed: ${err instanceof Error ? err.stack : String(err)}`);
          return undefined;
        } finally {
          report.windows.push({ dialect, run, phase: name, startUs, endUs: monoUs() });
        }
      };
      try {
        const templatePath = join(database.dir, 'template.csv');
        if (opts.phases.has('template') || !files) {
          const t = await phase('template', () => measureTemplate(api, server, files ? undefined : templatePath));
          const floorMs = await phase('template-floor', () => templateFloor(bare as BareDb, platform.platformId));
          if (t && floorMs !== undefined) result.template = { ...t, floorMs };
          if (!opts.phases.has('template')) delete result.template;
        }
        if (!files) {
          log(`${dialect}: generating the upload files from the template`);
          const template = await readTemplate(templatePath, opts.rows);
          const facts = accountFacts(accounts, new Set(template.rows.map((r) => r[0])));
          files = {
            templateRows: template.total,
            upload: await writeUploadCsv(template, facts, opts.rows, join(database.dir, 'upload.csv')),
            lag: await writeUploadCsv(template, facts, opts.lagRows, join(database.dir, 'lag.csv')),
            small: await writeUploadCsv(template, facts, Math.min(opts.rows, SMALL_FILE_ROWS), join(database.dir, 'small.csv')),
            hooks: await writeAllChangesCsv(template, opts.webhookEvents, join(database.dir, 'webhooks.csv')),
            all:
              opts.phases.has('apply-all') || opts.phases.has('concurrency')
                ? await writeAllChangesCsv(template, opts.rows, join(database.dir, 'all.csv'))
                : undefined,
          };
          out.templateRows = files.templateRows;
          out.uploadBytes = files.upload.bytes;
          log(`${dialect}: upload ${files.upload.rows} rows, expected ${JSON.stringify(files.upload.expected)}`);
        }
        const f = files;
        if (opts.phases.has('validate')) {
          result.parseFloor = await phase('parse-floor', () => parseFloor(f.upload.path));
          await api.settle();
          const v = await phase('validate', () => measureValidation(api, server, bare as BareDb, f.upload, PHASE_TIMEOUT_MS));
          if (v) {
            const { state, ...rest } = v;
            result.validation = { ...rest, summary: state.summary };
            for (const m of v.mismatches) result.errors.push(`validation count: ${m}`);
            result.insertFloor = await phase('insert-floor', () => insertFloor(bare as BareDb, v.batchId));
            result.lookupFloor = await phase('lookup-floor', () => lookupFloor(bare as BareDb, v.batchId, platform.platformId));
            await api.settle();
            if (opts.phases.has('review')) result.review = await phase('review', () => measureReview(api, bare as BareDb, v.batchId, opts.pages, server.logs));
            if (opts.phases.has('apply')) {
              result.applyFloor = await phase('apply-floor', () => applyFloor(bare as BareDb, v.batchId, platform.platformId));
              const expected = state.summary.additions + state.summary.replacements;
              await api.settle();
              const a = await phase('apply', () => measureApply(api, server, bare as BareDb, v.batchId, expected, PHASE_TIMEOUT_MS));
              if (a) {
                const { state: applied, ...restApply } = a;
                result.apply = { ...restApply, applied: applied.summary.applied };
                for (const m of a.mismatches) result.errors.push(`apply count: ${m}`);
              }
            }
            await phase('reset', () => resetAfterBatch(bare as BareDb, v.batchId, platform.platformId));
          }
        }
        if (opts.phases.has('parallel')) {
          await api.settle();
          result.parallel = await phase('parallel', () =>
            measureParallel(api, server.pid, f.upload, PHASE_TIMEOUT_MS, (id) => resetAfterBatch(bare as BareDb, id, platform.platformId)),
          );
        }
        if (opts.phases.has('small')) {
          await api.settle();
          result.small = await phase('small', () =>
            measureSmallFiles(api, server, f.small, SMALL_FILE_UPLOADS, PHASE_TIMEOUT_MS, (id) => resetAfterBatch(bare as BareDb, id, platform.platformId)),
          );
        }
        if (opts.phases.has('apply-all') && f.all) {
          const all = f.all;
          await api.settle();
          const v = await phase('apply-all-validate', () => measureValidation(api, server, bare as BareDb, all, PHASE_TIMEOUT_MS));
          if (v) {
            result.applyAllFloor = await phase('apply-all-floor', () => applyFloor(bare as BareDb, v.batchId, platform.platformId));
            await api.settle();
            const a = await phase('apply-all', () => measureApply(api, server, bare as BareDb, v.batchId, all.rows, PHASE_TIMEOUT_MS));
            if (a) {
              const { state: applied, ...restApply } = a;
              result.applyAll = { ...restApply, applied: applied.summary.applied, validationMs: v.ms };
              for (const m of a.mismatches) result.errors.push(`apply-all count: ${m}`);
              if (opts.phases.has('rollback')) {
                result.rollbackAllFloor = await phase('rollback-all-floor', () => rollbackFloor(bare as BareDb, v.batchId, platform.platformId));
                await api.settle();
                const r = await phase('rollback-all', () =>
                  measureRollback(api, server, bare as BareDb, v.batchId, applied.summary.applied, PHASE_TIMEOUT_MS),
                );
                if (r) {
                  result.rollbackAll = r;
                  for (const m of r.mismatches) result.errors.push(`rollback-all count: ${m}`);
                }
              }
            }
            await phase('reset', () => resetAfterBatch(bare as BareDb, v.batchId, platform.platformId));
          }
        }
        if (opts.phases.has('lag')) {
          await api.settle();
          const l = await phase('lag', () => measureLag(api, f.lag, opts.subscribers, PHASE_TIMEOUT_MS));
          if (l) {
            result.lag = l;
            await phase('reset', () => resetAfterBatch(bare as BareDb, l.batchId, platform.platformId));
          }
        }
        if (opts.phases.has('concurrency') && f.all) {
          const all = f.all;
          await api.settle();
          const c = await phase('concurrency', () => measureConcurrency(server.pid, api, bare as BareDb, all, opts.subscribers, PHASE_TIMEOUT_MS));
          if (c) {
            result.concurrency = c;
            await phase('reset', () => resetAfterBatch(bare as BareDb, c.batchId, platform.platformId));
          }
        }
        if (opts.phases.has('webhooks') && out.webhooksBuilt) {
          await api.settle();
          const w = await phase('webhooks', () => measureWebhooks(api, f.hooks, PHASE_TIMEOUT_MS));
          if (w) {
            const { batchId, ...rest } = w;
            result.webhooks = rest;
            await phase('reset', () => resetAfterBatch(bare as BareDb, batchId, platform.platformId));
          }
          result.webhookFloor = await phase('webhook-floor', () => webhookFloor(f.hooks.rows, WEBHOOK_CONCURRENCY));
        }
      } finally {
        await server.stop();
        result.loadAfter = loadNow();
        if (result.errors.length) writeFileSync(join(runDir, `${dialect}-run${run}-server.log`), server.logs.join('\n'));
      }
    }
    return out;
  } finally {
    await bare?.close();
    if (opts.keepFiles) log(`${dialect}: files kept in ${database.dir}`);
    else await database.drop();
  }
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2), resolve(import.meta.dirname, '../results'));
  const startedAt = new Date().toISOString();
  const runDir = join(opts.outDir, startedAt.replace(/[:.]/g, '-'));
  mkdirSync(runDir, { recursive: true });
  const report: BenchReport = {
    startedAt,
    machine: machineInfo(),
    options: { ...opts, phases: [...opts.phases] },
    databases: [],
    windows: [],
  };
  const m = report.machine;
  log(`${m.nproc} cpus (${m.cpu}), ${m.memoryGb} GiB, node ${m.node}, load ${m.load}; rows ${opts.rows}, runs ${opts.runs}`);
  const tables: string[] = [];
  for (const dialect of opts.databases) {
    if (dialect === 'postgresql' && !(await postgresAvailable())) {
      tables.push('### PostgreSQL: not measured (no server at BENCH_PG_URL or postgres://postgres@127.0.0.1:5432)');
      continue;
    }
    const r = await benchDatabase(dialect, opts, report, runDir);
    report.databases.push(r);
    tables.push(renderTable(r));
    writeFileSync(join(runDir, 'report.json'), JSON.stringify(report, null, 2));
  }
  const header = `Machine: ${m.nproc} CPUs (${m.cpu}), ${m.memoryGb} GiB RAM, Node ${m.node}; load average at start ${m.load}, at end ${loadNow()}.`;
  const text = `${header}\n\n${tables.join('\n\n')}\n`;
  writeFileSync(join(runDir, 'tables.md'), text);
  writeFileSync(join(runDir, 'report.json'), JSON.stringify(report, null, 2));
  process.stdout.write(`\n${text}\nResults: ${runDir}\n`);
  if (!opts.keepFiles && !opts.profile && report.databases.every((d) => d.runs.every((r) => r.errors.length === 0))) {
    // Nothing worth keeping but the report itself.
    rmSync(join(runDir, 'profiles'), { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
