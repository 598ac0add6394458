import express, { type Router } from 'express';
import { signIn, signOut } from '../modules/auth/auth.service.js';
import type { Services } from '../services.js';
import { clearedSessionCookie, readSessionCookie, sessionCookie } from './cookies.js';
import { setPasswordWithToken } from '../modules/auth/member.service.js';
import { sessionHandler } from './session.route.js';
import { RATE_LIMITED, type RateLimiters, clearSignIn, createRateLimiters, signInLimitMessage, take, takeSignIn } from './rate-limit.js';

/**
 * Dashboard sign-in and sign-out. JSON bodies only: a cross-site HTML form
 * cannot send application/json without a CORS preflight, which we never grant.
 *
 * Failed sign-ins are counted per client IP + email (password guessing against one account), per
 * email from any address, and per address for any email (spraying);
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
    const refused = await takeSignIn(limiters, req.socket.remoteAddress, email);
    if (refused !== null) {
      services.logger.warn({ event: 'sign_in_rate_limited', limit: refused.limit }, 'sign-in refused: rate limited');
      res.setHeader('Retry-After', String(refused.wait));
      res.status(429).json({ error: { code: RATE_LIMITED, message: signInLimitMessage(limiters.env, refused.limit, refused.wait) } });
      return;
    }
    const em = services.orm.em.fork();
    const result = await signIn(em, email, password, services.env.SESSION_TTL_HOURS);
    if (!result) {
      services.logger.info({ event: 'sign_in_failed' }, 'sign-in refused');
      res.status(401).json({ error: { code: 'UNAUTHENTICATED', message: 'Wrong email or password.' } });
      return;
    }
    await clearSignIn(limiters, req.socket.remoteAddress, email);
    services.logger.info({ event: 'sign_in', userId: result.user.id }, 'signed in');
    res.setHeader('Set-Cookie', sessionCookie(result.token, result.expiresAt, services.env.cookieSecure));
    res.json({ user: { email: result.user.email, role: result.user.role, platformId: result.user.platformId } });
  });

  // The token of a setPasswordUrl (one use, 72 hours) and a new password. Attempts count against the
  // address's sign-in allowance: a token is 256 random bits, but guessing should still be costly.
  router.post('/set-password', async (req, res) => {
    const { token, password } = (req.body ?? {}) as { token?: unknown; password?: unknown };
    if (typeof token !== 'string' || typeof password !== 'string' || !token || token.length > 200) {
      res.status(400).json({ error: { code: 'BAD_USER_INPUT', message: 'Send a JSON body with token and password.' } });
      return;
    }
    const wait = await take(limiters.signInAddress, req.socket.remoteAddress ?? 'unknown');
    if (wait !== null) {
      res.setHeader('Retry-After', String(wait));
      res.status(429).json({ error: { code: RATE_LIMITED, message: signInLimitMessage(limiters.env, 'address', wait) } });
      return;
    }
    const result = await setPasswordWithToken(services, token, password);
    if (!result.ok) {
      const status = result.code === 'INVALID_TOKEN' ? 410 : 400;
      const code = result.code === 'INVALID_TOKEN' ? 'INVALID_TOKEN' : 'BAD_USER_INPUT';
      res.status(status).json({ error: { code, reason: result.problem ?? result.code, message: result.message } });
      return;
    }
    await limiters.signInAddress.reward(req.socket.remoteAddress ?? 'unknown', 1);
    services.logger.info({ event: 'password_set' }, 'password set with a link');
    res.json({ ok: true, email: result.email });
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
