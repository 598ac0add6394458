import type { Request, Response } from 'express';
import { principalFromSession } from '../modules/auth/auth.service.js';
import { Platform } from '../modules/platforms/platform.entity.js';
import type { Services } from '../services.js';
import { readSessionCookie } from './cookies.js';

/**
 * GET /auth/session: the dashboard's first request. 200 with the signed-in user, or 204 when the
 * session cookie is missing, expired or ended: a signed-out visit is a normal answer, not a 401
 * in the browser console. Only the cookie counts here; API keys have no dashboard session.
 */
export function sessionHandler(services: Services) {
  return async (req: Request, res: Response) => {
    // Per user and changes at sign-in/out: never cached, by the browser or a proxy.
    res.setHeader('Cache-Control', 'no-store');
    const token = readSessionCookie(req.headers.cookie);
    const em = services.orm.em.fork();
    const principal = token ? await principalFromSession(services.db.reads, token) : null;
    if (!principal) {
      res.status(204).end();
      return;
    }
    const platform = await em.findOne(Platform, { id: principal.platformId });
    res.json({
      user: {
        email: principal.email ?? null,
        role: principal.role,
        platform: { id: principal.platformId, name: platform?.name ?? null },
      },
    });
  };
}
