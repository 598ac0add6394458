import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Locator, Page } from 'playwright-core';
import type { SqlDatabase, SqlTx } from '../../../server/src/db/sql.js';
import type { JobRunner } from '../../../server/src/jobs/job-runner.js';
import { gqlData } from '../../support/graphql.js';

/** The number shown on a summary card (`.stat`) whose label is exactly `label`, inside `scope`. */
export async function statValue(scope: Page | Locator, label: string): Promise<string> {
  const value = scope.locator(`.stat:has(.stat-label:text-is(${JSON.stringify(label)})) .stat-value`).first();
  return (await text(value)).trim();
}

/** The text of the first element a locator finds (its DOM text, hidden helper text included). */
export async function text(locator: Locator): Promise<string> {
  return (await locator.first().textContent()) ?? '';
}

/**
 * Makes every bulk transaction of the in-process server wait `ms` first while switched on: a file of
 * 60 rows then validates and applies slowly enough for a person (and a screenshot) to see the live
 * progress that a file of hundreds of thousands of rows shows. Nothing else of the server changes.
 */
export function slowTransactions(db: SqlDatabase, ms: number): { on(): void; off(): void } {
  const original = db.transaction.bind(db);
  let slow = false;
  db.transaction = async <T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> => {
    if (slow) await sleep(ms);
    return original(fn);
  };
  return {
    on: () => {
      slow = true;
    },
    off: () => {
      slow = false;
    },
  };
}

/**
 * Holds the jobs named `name` while on: enqueueing succeeds at once (the HTTP answer is not
 * delayed) and the job starts when `release()` is called. Lets a test see a state that a small file
 * leaves in milliseconds, such as "validating, nothing checked yet".
 */
export function holdJobs(jobs: JobRunner, name: string): { hold(): void; release(): Promise<void> } {
  const original = jobs.enqueue.bind(jobs);
  let held = false;
  const waiting: (() => Promise<void>)[] = [];
  jobs.enqueue = async <P>(job: string, payload: P, opts?: { delayMs?: number; jobId?: string }): Promise<void> => {
    if (held && job === name) {
      waiting.push(() => original(job, payload, opts));
      return;
    }
    return original(job, payload, opts);
  };
  return {
    hold: () => {
      held = true;
    },
    release: async () => {
      held = false;
      for (const start of waiting.splice(0)) await start();
    },
  };
}

export interface Receiver {
  url: string;
  received(): number;
  close(): Promise<void>;
}

/** A webhook endpoint on 127.0.0.1 that answers 200 to everything and counts what it got. */
export async function webhookReceiver(): Promise<Receiver> {
  let count = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      count++;
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/comms`,
    received: () => count,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

export interface AccountOnFile {
  id: string;
  businessName: string | null;
  email: string | null;
  userClaimedEmail: boolean;
}

/** Eligible accounts of the platform behind `apiKey` (all, or only the first `limit` without an email). */
export async function eligibleAccounts(baseUrl: string, apiKey: string, options: { missingEmailOnly?: number } = {}): Promise<AccountOnFile[]> {
  const out: AccountOnFile[] = [];
  let after: string | null = null;
  const only = options.missingEmailOnly;
  for (;;) {
    const data: {
      connectedAccounts: { edges: { node: AccountOnFile }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
    } = await gqlData(
      baseUrl,
      { apiKey },
      `query($after: String, $first: Int!, $missing: Boolean) {
        connectedAccounts(first: $first, after: $after, filter: { eligible: true, missingEmail: $missing }) {
          edges { node { id businessName email userClaimedEmail } } pageInfo { hasNextPage endCursor } } }`,
      { after, first: only ?? 100, missing: only === undefined ? null : true },
    );
    out.push(...data.connectedAccounts.edges.map((e) => e.node));
    if (only !== undefined || !data.connectedAccounts.pageInfo.hasNextPage || !data.connectedAccounts.pageInfo.endCursor) return out;
    after = data.connectedAccounts.pageInfo.endCursor;
  }
}

/** Eligible accounts and eligible accounts without an email, as the home page counts them. */
export async function accountCounts(baseUrl: string, apiKey: string): Promise<{ eligible: number; missing: number }> {
  const data = await gqlData<{ eligible: { totalCount: number }; missing: { totalCount: number } }>(
    baseUrl,
    { apiKey },
    `{ eligible: connectedAccounts(first: 1, filter: { eligible: true }) { totalCount }
       missing: connectedAccounts(first: 1, filter: { eligible: true, missingEmail: true }) { totalCount } }`,
  );
  return { eligible: data.eligible.totalCount, missing: data.missing.totalCount };
}
