import express, { type Router } from 'express';
import { signIn, signOut } from '../modules/auth/auth.service.js';
import type { Services } from '../services.js';
import { clearedSessionCookie, readSessionCookie, sessionCookie } from './cookies.js';

/**
 * Dashboard sign-in and sign-out. JSON bodies only: a cross-site HTML form
 * cannot send application/json without a CORS preflight, which we never grant.
 */
export function authRoutes(services: Services): Router {
  const router = express.Router();
  router.use(express.json({ limit: '16kb' }));

  router.post('/sign-in', async (req, res) => {
    const { email, password } = (req.body ?? {}) as { email?: unknown; password?: unknown };
    if (typeof email !== 'string' || typeof password !== 'string' || !email || !password) {
      res.status(400).json({ error: { code: 'BAD_USER_INPUT', message: 'Send a JSON body with email and password.' } });
      return;
    }
    const em = services.orm.em.fork();
    const result = await signIn(em, email, password, services.env.SESSION_TTL_HOURS);
    if (!result) {
      services.logger.info({ event: 'sign_in_failed' }, 'sign-in refused');
      res.status(401).json({ error: { code: 'UNAUTHENTICATED', message: 'Wrong email or password.' } });
      return;
    }
    services.logger.info({ event: 'sign_in', userId: result.user.id }, 'signed in');
    res.setHeader('Set-Cookie', sessionCookie(result.token, result.expiresAt, services.env.cookieSecure));
    res.json({ user: { email: result.user.email, role: result.user.role, platformId: result.user.platformId } });
  });

  router.post('/sign-out', async (req, res) => {
    const token = readSessionCookie(req.headers.cookie);
    if (token) await signOut(services.orm.em.fork(), token);
    res.setHeader('Set-Cookie', clearedSessionCookie(services.env.cookieSecure));
    res.json({ ok: true });
  });

  return router;
}
