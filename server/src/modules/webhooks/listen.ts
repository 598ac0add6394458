import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import type { SqlDatabase } from '../../db/sql.js';
import { sendWebhook } from './delivery.sender.js';
import { advanceCursor, type Gap } from './fan-out.js';
import { Signer } from './signing.js';
import { toDate } from './webhook.mapper.js';

/**
 * `pnpm cli listen`: a developer aid in the spirit of `stripe listen`. It
 * tails the outbox of one platform from now on, prints each event and, with
 * --forward-to, POSTs it signed exactly like the worker does (same body, same
 * headers, same library) to a local URL, printing the answer.
 *
 * Why a tail of the outbox rather than a temporary endpoint: it needs no
 * running server, leaves nothing behind when killed (no endpoint to clean
 * up, no deliveries queued for a URL that went away), and never touches the
 * platform's real endpoints or their delivery log. It is a watch, not a
 * delivery channel: no retries; a failed forward is printed and skipped.
 */
export interface ListenOptions {
  platformId: string;
  /** Where to POST each event; null only prints. */
  forwardTo: string | null;
  /** Signs the forwarded requests ("whsec_…"). */
  secret: string;
  json: boolean;
  pollMs?: number;
  timeoutMs?: number;
  signal: AbortSignal;
  write(line: string): void;
}

/** How long a hole in the outbox sequence may be a late commit before the tail moves on. */
const LISTEN_GAP_WAIT_MS = 5_000;

interface Row {
  seq: number | string;
  id: string;
  type: string;
  account_id: string | null;
  payload: string;
  created_at: unknown;
}

/** Runs until `signal` aborts. */
export async function listen(db: SqlDatabase, opts: ListenOptions): Promise<void> {
  const pollMs = opts.pollMs ?? 250;
  const [{ end }] = await db.query<{ end: number | string | null }>('select max(seq) as end from event where platform_id = $1', [
    opts.platformId,
  ]);
  let cursor = Number(end ?? 0);
  let gap: Gap | null = null;
  const signer = new Signer([opts.secret]);
  const agent = new Agent({ keepAliveTimeout: 4_000 });
  if (opts.json) {
    opts.write(
      JSON.stringify({ ready: true, platformId: opts.platformId, forwardTo: opts.forwardTo, secret: opts.forwardTo ? opts.secret : null }),
    );
  } else {
    opts.write(`Ready. Watching the events of ${opts.platformId} (Ctrl-C to stop).`);
    if (opts.forwardTo) opts.write(`Forwarding to ${opts.forwardTo}, signed with ${opts.secret}`);
  }
  try {
    while (!opts.signal.aborted) {
      // Every event of the platform above the cursor; the platform filter rides the (platform_id, seq) index.
      const rows = await db.query<Row>(
        `select seq, id, type, account_id, payload, created_at from event
          where platform_id = $1 and seq > $2 order by seq limit 200`,
        [opts.platformId, cursor],
      );
      // Other platforms' events leave holes in this platform's sequence, so
      // holes are judged against all events, not just ours.
      const all = rows.length
        ? (
            await db.query<{ seq: number | string }>('select seq from event where seq > $1 and seq <= $2 order by seq', [
              cursor,
              Number(rows[rows.length - 1].seq),
            ])
          ).map((r) => Number(r.seq))
        : [];
      const step = advanceCursor(cursor, all, gap, Date.now(), LISTEN_GAP_WAIT_MS);
      gap = step.gap;
      for (const row of rows) {
        if (Number(row.seq) > step.upto || opts.signal.aborted) break;
        await show(row, opts, signer, agent);
        cursor = Number(row.seq);
      }
      if (step.upto > cursor) cursor = step.upto;
      if (rows.length === 0 || step.upto < Number(rows[rows.length - 1].seq)) {
        await sleep(pollMs, undefined, { signal: opts.signal }).catch(() => undefined);
      }
    }
  } finally {
    await agent.close();
  }
}

async function show(row: Row, opts: ListenOptions, signer: Signer, agent: Agent): Promise<void> {
  const result = opts.forwardTo
    ? await sendWebhook({
        url: opts.forwardTo,
        messageId: row.id,
        body: row.payload,
        signer,
        timeoutMs: opts.timeoutMs ?? 15_000,
        // The operator points this at their own machine on purpose.
        allowPrivate: true,
        dispatcher: agent,
        stop: opts.signal,
      })
    : null;
  if (opts.json) {
    const forward = result ? { status: result.statusCode, latencyMs: result.latencyMs, error: result.error } : null;
    opts.write(`{"event":${row.payload},"forward":${JSON.stringify(forward)}}`);
    return;
  }
  const at = toDate(row.created_at)?.toISOString() ?? '';
  let line = `${at}  ${row.type}  ${row.id}  ${row.account_id ?? ''}`;
  if (result) line += result.error && result.statusCode === null ? `  → failed: ${result.error}` : `  → ${result.statusCode} (${result.latencyMs} ms)`;
  opts.write(line);
}
