import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import type { SqlDatabase } from '../db/sql.js';
import type { HttpApp } from './server.js';

/**
 * The HTTP surface of a worker process (ROLE=worker): only the probes an
 * orchestrator needs, with the same answers as the API's, and nothing a
 * client could use by mistake.
 */
export function createHealthServer(
  db: SqlDatabase,
  logger: Logger,
  metrics?: (req: IncomingMessage, res: ServerResponse) => void,
): HttpApp {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, { status: 'method not allowed' });
    if (path === '/healthz') return send(200, { status: 'ok' });
    if (path === '/readyz') {
      db.query('select 1 as ok').then(
        () => send(200, { status: 'ready' }),
        (err: unknown) => {
          logger.warn({ err }, 'readiness check failed');
          send(503, { status: 'unavailable' });
        },
      );
      return;
    }
    if (path === '/metrics' && metrics) return metrics(req, res);
    send(404, { status: 'not found' });
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
