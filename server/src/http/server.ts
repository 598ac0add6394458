import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { GraphQLContext } from '../graphql/context.js';
import { graphqlMetricsPlugin, httpMetrics, metricsRoute } from '../modules/metrics/metrics.http.js';
import { internalError, isApiError, unauthenticated } from '../graphql/errors.js';
import { resolvePrincipal } from '../modules/auth/auth.service.js';
import type { Principal } from '../modules/auth/principal.js';
import type { Services } from '../services.js';
import { ApiKeyUsage } from '../modules/auth/api-key-usage.js';
import { authRoutes } from './auth.routes.js';
import { readSessionCookie } from './cookies.js';
import { graphqlRuntime } from './graphql-runtime.js';
import { LIMIT_CODE, armorRules, isTokenLimitError, limitError, limitsFromEnv, parseOptions, prepareOperation } from './graphql-limits.js';
import { httpErrorResponse } from './http-errors.js';
import { requestOrigin } from './origin.js';
import { SocketRegistry } from './socket-registry.js';
import { mountDashboard } from './static-assets.js';
import { batchCreateLimitPlugin, batchCreateWait, batchRateLimitedError, createRateLimiters } from './rate-limit.js';

export interface HttpApp {
  server: Server;
  /** Stops accepting work, lets in-flight requests finish, closes sockets. */
  close(): Promise<void>;
}

/** How long a stopping server lets in-flight HTTP requests finish before closing their sockets. */
const HTTP_DRAIN_MS = 3_000;

/** Extra routers mounted before the dashboard fallback (uploads, downloads…). */
export type RouteMount = (app: express.Express, services: Services) => void;

/** Express 5 + Apollo Server 5 on one HTTP server, graphql-ws on the same port. */
export async function createHttpApp(services: Services, schema: GraphQLSchema, mounts: RouteMount[]): Promise<HttpApp> {
  const { env, logger } = services;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  const server = createServer(app);
  app.use(httpMetrics(services.metrics));
  const limits = limitsFromEnv(env);
  const rules = armorRules(limits);
  const limiters = createRateLimiters(env);
  const sockets = new SocketRegistry(services.pubsub, logger);
  const keyUsage = new ApiKeyUsage(services.db, logger);

  const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: 1024 * 1024 });
  const wsServer = useServer<Record<string, unknown>, { principal?: Principal; origin?: string }>(
    {
      schema,
      connectionInitWaitTimeout: env.WS_CONNECTION_INIT_TIMEOUT_MS,
      // Returning false closes the socket with 4403 Forbidden (graphql-ws).
      onConnect: async (ctx) => {
        const authorization = ctx.connectionParams?.authorization;
        const request = ctx.extra.request;
        const origin = requestOrigin(env.PUBLIC_URL, request);
        const sessionToken = readSessionCookie(request.headers.cookie);
        // Browsers attach cookies to a WebSocket handshake from any page (no CORS, no preflight);
        // a session carried by cookie is only honoured from our own pages (cross-site WebSocket hijacking).
        if (typeof authorization !== 'string' && sessionToken && !sameHost(request.headers.origin, origin)) return false;
        const principal = await resolvePrincipal(
          services.db.reads,
          typeof authorization === 'string' ? authorization : undefined,
          sessionToken,
        );
        if (!principal) return false;
        if (principal.kind === 'apiKey') keyUsage.touch(principal.subjectId);
        sockets.add(principal.subjectId, ctx.extra.socket);
        ctx.extra.principal = principal;
        ctx.extra.origin = origin;
        return true;
      },
      // The same parse and validation as HTTP (token, depth, cost, alias and directive limits), and the
      // same batch-creation rate limit for a mutation sent over the socket.
      onSubscribe: async (ctx, _id, payload) => {
        const prepared = prepareOperation(schema, payload.query, limits, rules);
        if ('errors' in prepared) return prepared.errors;
        const operation = graphqlRuntime.getOperationAST(prepared.document, payload.operationName);
        const principal = ctx.extra.principal;
        if (operation && principal) {
          const wait = await batchCreateWait(limiters, principal, prepared.document, operation);
          if (wait !== null) return [batchRateLimitedError(limiters, wait, false)];
        }
        return {
          schema,
          document: prepared.document,
          operationName: payload.operationName,
          variableValues: payload.variables,
        };
      },
      // Resolver errors reach a socket the way they reach HTTP: an API error as raised, anything
      // else as "Internal server error" (its cause goes to the log, never to the client).
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!result.errors?.length) return;
        return {
          ...result,
          errors: result.errors.map((error) => {
            if (isApiError(error)) return error.toJSON();
            logger.error({ err: error }, 'unexpected GraphQL error (graphql-ws)');
            return internalError().toJSON();
          }),
        };
      },
      context: (ctx): GraphQLContext => {
        const principal = ctx.extra.principal;
        if (!principal) throw unauthenticated();
        return {
          em: services.orm.em.fork(),
          principal,
          services,
          logger,
          origin: ctx.extra.origin ?? '',
        };
      },
    },
    wss,
  );

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    // Blocks simple (form-like) requests that a cross-site page could send with the session cookie.
    csrfPrevention: true,
    // Every request is authenticated before parsing (the context refuses anonymous callers with 401),
    // so introspection is open to a platform's own users and keys only; the schema is no secret.
    introspection: true,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    // main.ts owns SIGTERM/SIGINT: Apollo's own handlers (on outside NODE_ENV=test) stopped the server
    // under our shutdown, whose apollo.stop() then waited on the half-stopped server until killed (26 s).
    stopOnTerminationSignals: false,
    parseOptions: parseOptions(limits),
    validationRules: rules,
    plugins: [
      // Idle keep-alive sockets close at once; a request still running after the grace period is cut,
      // so a stopping process never waits on a slow client (orchestrators kill after 10–30 s).
      ApolloServerPluginDrainHttpServer({ httpServer: server, stopGracePeriodMillis: HTTP_DRAIN_MS }),
      batchCreateLimitPlugin(limiters),
      graphqlMetricsPlugin<GraphQLContext>(services.metrics),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await wsServer.dispose();
            },
          };
        },
      },
    ],
    formatError: (formatted, error) => {
      const code = formatted.extensions?.code;
      // Apollo recodes every validation error GRAPHQL_VALIDATION_FAILED; a crossed limit keeps its own code.
      if (formatted.extensions?.limit !== undefined) return { ...formatted, extensions: { ...formatted.extensions, code: LIMIT_CODE } };
      if (code === 'GRAPHQL_PARSE_FAILED' && isTokenLimitError(formatted.message)) {
        const { message, extensions } = limitError('tokens', limits.maxTokens);
        return { message, extensions };
      }
      if (code === 'INTERNAL_SERVER_ERROR') {
        logger.error({ err: error }, 'unexpected GraphQL error');
        return { message: 'Internal server error', extensions: { code } };
      }
      return formatted;
    },
  });
  await apollo.start();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    // A stopping instance leaves the load balancer's pool before it closes.
    if (services.shutdown.aborted) {
      res.status(503).json({ status: 'stopping' });
      return;
    }
    try {
      await services.db.query('select 1 as ok');
      res.json({ status: 'ready' });
    } catch (err) {
      logger.warn({ err }, 'readiness check failed');
      res.status(503).json({ status: 'unavailable' });
    }
  });

  app.get('/metrics', metricsRoute(services.metrics, env.METRICS_TOKEN, logger));

  app.use('/auth', authRoutes(services, limiters));

  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const principal = await resolvePrincipal(services.db.reads, req.headers.authorization, readSessionCookie(req.headers.cookie));
        if (!principal) throw unauthenticated();
        if (principal.kind === 'apiKey') keyUsage.touch(principal.subjectId);
        const em = services.orm.em.fork();
        return { em, principal, services, logger, origin: requestOrigin(env.PUBLIC_URL, req) };
      },
    }),
  );

  for (const mount of mounts) mount(app, services);

  const dist = resolve(env.CLIENT_DIST ?? new URL('../../../client/dist', import.meta.url).pathname);
  if (!mountDashboard(app, dist, /^\/(?!graphql|auth|healthz|readyz|metrics|files).*/)) {
    app.get('/', (_req, res) => {
      res.type('text/plain').send('Comms Center API. POST /graphql. The dashboard is not built (pnpm --filter @comms/client build).');
    });
  }

  app.use((err: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) => {
    if (err instanceof GraphQLError) {
      res.status(400).json({ errors: [err.toJSON()] });
      return;
    }
    // Refused request bodies (too large, not JSON) are the client's doing: a coded 4xx, not a 500.
    const refused = httpErrorResponse(err, req.path.startsWith('/graphql'));
    if (refused) {
      res.status(refused.status).json(refused.body);
      return;
    }
    logger.error({ err }, 'unhandled HTTP error');
    if (!res.headersSent) res.status(500).json({ error: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' } });
  });

  return {
    server,
    close: async () => {
      await apollo.stop();
      await new Promise<void>((done) => wss.close(() => done()));
      await sockets.close();
      await keyUsage.close();
      await limiters.close();
    },
  };
}

/** Whether a handshake's Origin header names the host the server answers as (no Origin: not a browser). */
function sameHost(originHeader: string | undefined, serverOrigin: string): boolean {
  if (!originHeader) return true;
  try {
    return new URL(originHeader).host === new URL(serverOrigin).host;
  } catch {
    return false;
  }
}
