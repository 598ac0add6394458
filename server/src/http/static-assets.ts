import { existsSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import type express from 'express';
import expressStaticGzip from 'express-static-gzip';

/** A year, the longest a cache honours: a content-hashed file never changes under its name. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Files whose name stays the same across releases: the browser revalidates (ETag) every time. */
export const REVALIDATE = 'no-cache';

/**
 * The built dashboard on the same port. Vite names every bundled file by its content
 * (`/assets/index-<hash>.js`), so those are cached for a year; index.html and the unhashed public
 * files (favicon) are revalidated, so a deploy shows at once. Compressed copies (`.br`, `.gz`) are
 * written at build time (vite-plugin-compression2) and picked by Accept-Encoding
 * (express-static-gzip): no CPU spent compressing per request.
 * Returns false when there is no build to serve.
 */
export function mountDashboard(app: express.Express, dist: string, spaRoute: RegExp): boolean {
  const index = resolve(dist, 'index.html');
  if (!existsSync(index)) return false;
  const hashed = `${sep}assets${sep}`;
  app.use(
    expressStaticGzip(dist, {
      enableBrotli: true,
      // Brotli is about 15% smaller than gzip on our bundle; the client's q-values otherwise decide.
      orderPreference: ['br', 'gz'],
      index: false,
      serveStatic: {
        index: false,
        cacheControl: false,
        setHeaders: (res, path) => {
          res.setHeader('Cache-Control', path.includes(hashed) ? IMMUTABLE : REVALIDATE);
        },
      },
    }),
  );
  // Client-side routes (/batches/:id …) all load the single page.
  app.get(spaRoute, (_req, res) => {
    res.setHeader('Cache-Control', REVALIDATE);
    res.sendFile(index);
  });
  return true;
}
