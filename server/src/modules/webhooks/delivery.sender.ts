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
  const deadline = AbortSignal.timeout(input.timeoutMs);
  try {
    const res = await request(target, {
      method: 'POST',
      dispatcher: input.dispatcher,
      signal: AbortSignal.any([deadline, input.stop]),
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
    if (deadline.aborted) return fail(`Timed out after ${input.timeoutMs} ms.`);
    return fail(describeError(err));
  }
}
