import type { Dialect } from './bare.js';

export const PHASES = ['template', 'validate', 'small', 'review', 'apply', 'apply-all', 'rollback', 'lag', 'webhooks', 'concurrency', 'parallel'] as const;
export type Phase = (typeof PHASES)[number];

export interface BenchOptions {
  rows: number;
  /** Accounts on the bench platform; default just enough for the template to list `rows` (issue 16's growth runs raise it). */
  accounts?: number;
  runs: number;
  quick: boolean;
  databases: Dialect[];
  /** Random review pages per kind (with and without filters). */
  pages: number;
  subscribers: number;
  lagRows: number;
  webhookEvents: number;
  phases: Set<Phase>;
  /** Write `node --cpu-prof` profiles of the server and the phase windows. */
  profile: boolean;
  /** Where results (JSON, profiles, generated files if kept) go. */
  outDir: string;
  keepFiles: boolean;
  /** NODE_OPTIONS for the server process (e.g. a heap cap), for what-if runs. */
  serverNodeOptions?: string;
}

export const USAGE = `pnpm bench [--rows N] [--accounts A] [--quick] [--runs R] [--db sqlite|postgres|both] [--pages P]
           [--subscribers S] [--lag-rows M] [--webhook-events W] [--only ${PHASES.join(',')}]
           [--profile] [--out DIR] [--keep] [--server-node-options "--max-old-space-size=128"]

  --rows N            data rows of the upload file (default 500000); accounts seeded so the template lists ≥ N
  --accounts A        accounts on the platform (default: just enough for N rows); with more, the files take
                      every k-th template row, so the upload touches the whole id range (growth runs)
  --quick             smoke check: 5,000 rows, 1 run, 30 pages, 2,000 webhook events (under 2 minutes)
  --runs R            runs per database; every figure is the median (default 3)
  --only a,b          phases to run (validate is implied by review and apply); apply-all uploads a second file in
                      which every one of the N rows changes an email, and times its apply (the ≤ 10 s target);
                      rollback (implies apply-all) then rolls that batch back and times it beside its floor
                      concurrency sends a small query from --subscribers clients, idle and during such an apply;
                      small uploads a 5,000-row file 5 times and times each from the end of its PUT to VALIDATED;
                      parallel uploads the file once, then twice at the same time (two batches), with one client
                      sending a small query meanwhile
  --profile           start the server with node --cpu-prof; windows of each phase saved beside the profiles
                      (summarise with: pnpm --filter @comms/bench profile-summary <dir>)`;

function intArg(name: string, value: string | undefined): number {
  const n = Number(value?.replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} takes a positive integer, got ${value}`);
  return n;
}

export function parseArgs(argv: readonly string[], defaultOut: string): BenchOptions {
  const given = new Map<string, string | undefined>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') continue;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}\n${USAGE}`);
    const [key, inline] = a.slice(2).split('=', 2);
    const flag = ['quick', 'profile', 'keep', 'help'].includes(key);
    given.set(key, flag ? 'true' : (inline ?? argv[++i]));
  }
  if (given.has('help')) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const known = new Set([
    'rows',
    'accounts',
    'quick',
    'runs',
    'db',
    'pages',
    'subscribers',
    'lag-rows',
    'webhook-events',
    'only',
    'profile',
    'out',
    'keep',
    'server-node-options',
  ]);
  for (const k of given.keys()) if (!known.has(k)) throw new Error(`unknown option --${k}\n${USAGE}`);
  const quick = given.has('quick');
  const rows = given.has('rows') ? intArg('--rows', given.get('rows')) : quick ? 5_000 : 500_000;
  const db = given.get('db') ?? 'both';
  if (!['sqlite', 'postgres', 'both'].includes(db)) throw new Error('--db is sqlite, postgres or both');
  const databases: Dialect[] = db === 'both' ? ['sqlite', 'postgresql'] : db === 'sqlite' ? ['sqlite'] : ['postgresql'];
  const only = given.get('only');
  const phases = new Set<Phase>(only ? (only.split(',').map((p) => p.trim()) as Phase[]) : PHASES);
  for (const p of phases) if (!PHASES.includes(p)) throw new Error(`unknown phase ${p} (${PHASES.join(', ')})`);
  if (phases.has('review') || phases.has('apply')) phases.add('validate');
  // The rollback undoes the apply-all batch.
  if (phases.has('rollback')) phases.add('apply-all');
  const accounts = given.has('accounts') ? intArg('--accounts', given.get('accounts')) : undefined;
  return {
    rows,
    accounts,
    runs: given.has('runs') ? intArg('--runs', given.get('runs')) : quick ? 1 : 3,
    quick,
    databases,
    pages: given.has('pages') ? intArg('--pages', given.get('pages')) : quick ? 30 : 200,
    subscribers: given.has('subscribers') ? intArg('--subscribers', given.get('subscribers')) : 50,
    lagRows: given.has('lag-rows') ? intArg('--lag-rows', given.get('lag-rows')) : Math.min(rows, 100_000),
    webhookEvents: Math.min(rows, given.has('webhook-events') ? intArg('--webhook-events', given.get('webhook-events')) : quick ? 2_000 : 100_000),
    phases,
    profile: given.has('profile'),
    outDir: given.get('out') ?? defaultOut,
    keepFiles: given.has('keep'),
    serverNodeOptions: given.get('server-node-options'),
  };
}
