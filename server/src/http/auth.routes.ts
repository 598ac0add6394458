import express, { type Router } from 'express';
import { signIn, signOut } from '../modules/auth/auth.service.js';
import type { Services } from '../services.js';
import { clearedSessionCookie, readSessionCookie, sessionCookie } from './cookies.js';
import { sessionHandler } from './session.route.js';
import { RATE_LIMITED, type RateLimiters, createRateLimiters, signInKey, signInLimitedMessage, take } from './rate-limit.js';

/**
 * Dashboard sign-in and sign-out. JSON bodies only: a cross-site HTML form
 * cannot send application/json without a CORS preflight, which we never grant.
 *
 * Failed sign-ins are counted per client IP + email (password guessing against one account);
 * the attempt is counted before the password is checked, so parallel guesses cannot slip past the
 * limit, and a success clears the count, so a user who finally types it right starts afresh.
 */
export function authRoutes(services: Services, limiters: RateLimiters = createRateLimiters(services.env)): Router {
  const router = express.Router();
  router.use(express.json({ limit: '16kb' }));

  router.post('/sign-in', async (req, res) => {
    const { email, password } = (req.body ?? {}) as { email?: unknown; password?: unknown };
    if (typeof email !== 'string' || typeof password !== 'string' || !email || !password) {
      res.status(400).json({ error: { code: 'BAD_USER_INPUT', message: 'Send a JSON body with email and password.' } });
      return;
    }
    const key = signInKey(req.socket.remoteAddress, email);
    const wait = await take(limiters.signIn, key);
    if (wait !== null) {
      services.logger.warn({ event: 'sign_in_rate_limited' }, 'sign-in refused: rate limited');
      res.setHeader('Retry-After', String(wait));
      res.status(429).json({ error: { code: RATE_LIMITED, message: signInLimitedMessage(limiters.env, wait) } });
      return;
    }
    const em = services.orm.em.fork();
    const result = await signIn(em, email, password, services.env.SESSION_TTL_HOURS);
    if (!result) {
      services.logger.info({ event: 'sign_in_failed' }, 'sign-in refused');
      res.status(401).json({ error: { code: 'UNAUTHENTICATED', message: 'Wrong email or password.' } });
      return;
    }
    await limiters.signIn.delete(key);
    services.logger.info({ event: 'sign_in', userId: result.user.id }, 'signed in');
    res.setHeader('Set-Cookie', sessionCookie(result.token, result.expiresAt, services.env.cookieSecure));
    res.json({ user: { email: result.user.email, role: result.user.role, platformId: result.user.platformId } });
  });

  router.get('/session', sessionHandler(services));

  router.post('/sign-out', async (req, res) => {
    const token = readSessionCookie(req.headers.cookie);
    if (token) await signOut(services.orm.em.fork(), token);
    res.setHeader('Set-Cookie', clearedSessionCookie(services.env.cookieSecure));
    res.json({ ok: true });
  });

  return router;
}
