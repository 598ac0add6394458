import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../../logger.js';
import type { Metrics } from './metrics.registry.js';

/**
 * The route label of a request: the matched route's pattern (bounded by the code, never the raw
 * path with its ids), `/assets` for the dashboard's files, the dashboard page, or `unmatched`.
 */
function routeLabel(req: Request): string {
  const route = (req as { route?: { path?: unknown } }).route;
  if (typeof route?.path === 'string') return `${req.baseUrl}${route.path}`;
  if (route) return 'dashboard';
  if (req.baseUrl) return req.baseUrl;
  if (req.path.startsWith('/assets/')) return '/assets';
  return 'unmatched';
}

/** Counts and times every HTTP request once its response is written. */
export function httpMetrics(metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    res.once('finish', () => {
      const route = routeLabel(req);
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      metrics.httpDuration.observe({ method: req.method, route }, (performance.now() - started) / 1000);
    });
    next();
  };
}

/**
 * GraphQL operations by type and root field (the schema bounds the label values; operation names
 * are the client's choice and would not be), with the first error code as the outcome.
 */
export function graphqlMetricsPlugin<C extends object>(metrics: Metrics): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      const started = performance.now();
      let type = 'unknown';
      let operation = 'unknown';
      return {
        async didResolveOperation({ operation: op }) {
          if (!op) return;
          type = op.operation;
          const first = op.selectionSet.selections.find((s) => s.kind === 'Field');
          if (first && first.kind === 'Field') operation = first.name.value;
        },
        async willSendResponse({ response }) {
          const body = response.body;
          const errors = body.kind === 'single' ? body.singleResult.errors : undefined;
          const code = errors?.[0]?.extensions?.code;
          metrics.graphqlOperations.inc({ type, operation, outcome: typeof code === 'string' ? code : errors ? 'ERROR' : 'ok' });
          metrics.graphqlDuration.observe({ type, operation }, (performance.now() - started) / 1000);
        },
      };
    },
  };
}

/** Whether the request carries `Authorization: Bearer <token>` (compared in constant time). */
function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header ?? '');
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Answers a scrape. With a token, only `Authorization: Bearer <token>` gets the metrics (401
 * otherwise); without one, the caller has decided the port is private (METRICS_PORT).
 */
export async function answerScrape(
  metrics: Metrics,
  token: string | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  logger: Logger,
): Promise<void> {
  if (token !== undefined && !bearerMatches(req.headers.authorization, token)) {
    res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer realm="metrics"' });
    res.end('Unauthorized: send Authorization: Bearer <METRICS_TOKEN>.\n');
    return;
  }
  try {
    const { contentType, body } = await metrics.scrape();
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
    res.end(body);
  } catch (err) {
    logger.error({ err }, 'metrics scrape failed');
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('metrics unavailable\n');
  }
}

/**
 * `/metrics` on the main port: served only with METRICS_TOKEN (a public port must not expose it);
 * without it, 404 with where to look.
 */
export function metricsRoute(metrics: Metrics, token: string | undefined, logger: Logger) {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (token === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Metrics are off on this port: set METRICS_TOKEN, or METRICS_PORT for an internal port (docs/DEPLOY.md).\n');
      return;
    }
    void answerScrape(metrics, token, req, res, logger);
  };
}

/** METRICS_PORT: a server with `/metrics` only, on METRICS_HOST (loopback by default). */
export async function startMetricsServer(
  metrics: Metrics,
  opts: { port: number; host: string; token: string | undefined },
  logger: Logger,
): Promise<{ server: Server; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('not found\n');
      return;
    }
    void answerScrape(metrics, opts.token, req, res, logger);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
