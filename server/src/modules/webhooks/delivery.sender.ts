import { Agent, type Dispatcher, request } from 'undici';
import { parseRetryAfter } from './retry-schedule.js';
import { type Signer, signedHeaders } from './signing.js';
import { FORBIDDEN_ADDRESS, forbiddenLiteral, guardedLookup } from './url-policy.js';

/** Sent as User-Agent so receivers can recognise (and allow-list) the traffic. */
export const USER_AGENT = 'CommsCenter-Webhooks/1.0 (+https://www.standardwebhooks.com)';

/** Bytes of a non-2xx response body kept in the delivery log. */
const ERROR_BODY_BYTES = 200;

/** What one POST came back with. */
export interface SendResult {
  /** HTTP status, or null when no response came. */
  statusCode: number | null;
  /** Why it did not count as delivered (null for 2xx). */
  error: string | null;
  /** Request start to response headers (or to the failure), ms. */
  latencyMs: number;
  /** Retry-After of the response, in ms, when present and readable. */
  retryAfterMs: number | null;
  /** Cut short by shutdown: not an attempt, the delivery goes back to the queue. */
  aborted: boolean;
  at: Date;
}

/**
 * The HTTP client of the delivery worker: keep-alive connections per origin,
 * and a resolver hook that re-applies the URL policy at every connection.
 */
export function createWebhookAgent(allowPrivate: boolean): Agent {
  return new Agent({
    connect: { lookup: guardedLookup(allowPrivate) },
    keepAliveTimeout: 4_000,
    // Redirects are not followed (undici.request never does): a 3xx is a failure.
  });
}

async function snippet(body: Dispatcher.ResponseData['body']): Promise<string> {
  let text = '';
  try {
    for await (const chunk of body) {
      text += Buffer.from(chunk as Uint8Array).toString('utf8');
      if (text.length >= ERROR_BODY_BYTES) break;
    }
  } catch {
    // The body is only decoration for the log.
  }
  body.destroy();
  return text.replace(/\s+/g, ' ').trim().slice(0, ERROR_BODY_BYTES);
}

function describeError(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code;
  if (code === FORBIDDEN_ADDRESS) return `Refused: ${e.message ?? e.cause?.message}`;
  const message = e.cause?.message ?? e.message ?? String(err);
  return (code && !message.includes(code) ? `${code}: ${message}` : message).slice(0, 300);
}

/** Requests in flight per shutdown signal, so one listener aborts them all. */
const inFlight = new WeakMap<AbortSignal, Set<AbortController>>();

/**
 * Aborts `controller` when `stop` aborts. One listener per stop signal rather
 * than `AbortSignal.any` per request: that allocates a combined signal and
 * registers it with both sources for every POST (5–6 % of the worker's CPU),
 * and a listener per request would pass EventTarget's listener limit.
 */
function linkToStop(stop: AbortSignal, controller: AbortController): () => void {
  if (stop.aborted) {
    controller.abort(stop.reason);
    return () => undefined;
  }
  let controllers = inFlight.get(stop);
  if (!controllers) {
    const created = new Set<AbortController>();
    controllers = created;
    inFlight.set(stop, created);
    stop.addEventListener('abort', () => {
      for (const c of created) c.abort(stop.reason);
    }, { once: true });
  }
  const set = controllers;
  set.add(controller);
  return () => set.delete(controller);
}

/**
 * POSTs one event body, signed, with a deadline. Never throws: every outcome
 * (response, timeout, refusal, shutdown) comes back as a SendResult.
 */
export async function sendWebhook(input: {
  url: string;
  messageId: string;
  body: string;
  signer: Signer;
  timeoutMs: number;
  allowPrivate: boolean;
  dispatcher: Dispatcher;
  stop: AbortSignal;
}): Promise<SendResult> {
  const at = new Date();
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const fail = (error: string, aborted = false): SendResult => ({
    statusCode: null,
    error,
    latencyMs: elapsed(),
    retryAfterMs: null,
    aborted,
    at,
  });
  let target: URL;
  try {
    target = new URL(input.url);
  } catch {
    return fail('The endpoint URL is not valid.');
  }
  // An IP literal is connected to without a lookup, so the policy is applied here.
  const refused = forbiddenLiteral(target, input.allowPrivate);
  if (refused) return fail(`Refused: ${refused}`);
  const controller = new AbortController();
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`Timed out after ${input.timeoutMs} ms.`));
  }, input.timeoutMs);
  // Like AbortSignal.timeout: a pending deadline alone does not keep the process alive.
  deadline.unref();
  const unlink = linkToStop(input.stop, controller);
  try {
    const res = await request(target, {
      method: 'POST',
      dispatcher: input.dispatcher,
      signal: controller.signal,
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        ...signedHeaders(input.signer, input.messageId, input.body, at),
      },
      body: input.body,
    });
    const latencyMs = elapsed();
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    let error: string | null = null;
    if (ok) await res.body.dump().catch(() => undefined);
    else {
      const text = await snippet(res.body);
      error = `HTTP ${res.statusCode}${text ? `: ${text}` : ''}`;
    }
    return {
      statusCode: res.statusCode,
      error,
      latencyMs,
      retryAfterMs: parseRetryAfter(res.headers['retry-after'], Date.now()),
      aborted: false,
      at,
    };
  } catch (err) {
    if (input.stop.aborted) return fail('Interrupted by a server shutdown.', true);
    if (timedOut) return fail(`Timed out after ${input.timeoutMs} ms.`);
    return fail(describeError(err));
  } finally {
    clearTimeout(deadline);
    unlink();
  }
}
