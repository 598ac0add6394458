import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { GraphQLSchema } from 'graphql';
import { GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { GraphQLContext } from '../graphql/context.js';
import { unauthenticated } from '../graphql/errors.js';
import { resolvePrincipal } from '../modules/auth/auth.service.js';
import type { Principal } from '../modules/auth/principal.js';
import type { Services } from '../services.js';
import { authRoutes } from './auth.routes.js';
import { readSessionCookie } from './cookies.js';
import { requestOrigin } from './origin.js';

export interface HttpApp {
  server: Server;
  /** Stops accepting work, lets in-flight requests finish, closes sockets. */
  close(): Promise<void>;
}

/** Extra routers mounted before the dashboard fallback (uploads, downloads…). */
export type RouteMount = (app: express.Express, services: Services) => void;

/** Express 5 + Apollo Server 5 on one HTTP server, graphql-ws on the same port. */
export async function createHttpApp(services: Services, schema: GraphQLSchema, mounts: RouteMount[]): Promise<HttpApp> {
  const { env, logger } = services;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  const server = createServer(app);

  const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: 1024 * 1024 });
  const wsServer = useServer<Record<string, unknown>, { principal?: Principal; origin?: string }>(
    {
      schema,
      connectionInitWaitTimeout: 10_000,
      // Returning false closes the socket with 4403 Forbidden (graphql-ws).
      onConnect: async (ctx) => {
        const authorization = ctx.connectionParams?.authorization;
        const principal = await resolvePrincipal(
          services.orm.em.fork(),
          typeof authorization === 'string' ? authorization : undefined,
          readSessionCookie(ctx.extra.request.headers.cookie),
        );
        if (!principal) return false;
        ctx.extra.principal = principal;
        ctx.extra.origin = requestOrigin(env.PUBLIC_URL, ctx.extra.request);
        return true;
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
    csrfPrevention: true,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: server }),
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
    try {
      await services.db.query('select 1 as ok');
      res.json({ status: 'ready' });
    } catch (err) {
      logger.warn({ err }, 'readiness check failed');
      res.status(503).json({ status: 'unavailable' });
    }
  });

  app.use('/auth', authRoutes(services));

  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const em = services.orm.em.fork();
        const principal = await resolvePrincipal(em, req.headers.authorization, readSessionCookie(req.headers.cookie));
        if (!principal) throw unauthenticated();
        return { em, principal, services, logger, origin: requestOrigin(env.PUBLIC_URL, req) };
      },
    }),
  );

  for (const mount of mounts) mount(app, services);

  const dist = resolve(env.CLIENT_DIST ?? new URL('../../../client/dist', import.meta.url).pathname);
  if (existsSync(resolve(dist, 'index.html'))) {
    app.use(express.static(dist, { index: false, maxAge: '1h' }));
    // Client-side routes (/batches/:id …) all load the single page.
    app.get(/^\/(?!graphql|auth|healthz|readyz|files).*/, (_req, res) => {
      res.sendFile(resolve(dist, 'index.html'));
    });
  } else {
    app.get('/', (_req, res) => {
      res.type('text/plain').send('Comms Center API. POST /graphql. The dashboard is not built (pnpm --filter @comms/client build).');
    });
  }

  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    if (err instanceof GraphQLError) {
      res.status(400).json({ errors: [err.toJSON()] });
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
    },
  };
}
