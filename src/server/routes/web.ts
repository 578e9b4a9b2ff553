/**
 * `GET /`: the web page, served from the package's `public/` folder with a strict Content-Security-Policy (scripts
 * and styles from this origin only, no inline code), so the page needs no build step and loads nothing remote.
 */

import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';

/** This file is src/server/routes/web.ts (or dist/server/routes/web.js): public/ is three levels up either way. */
const PUBLIC = new URL('../../../public/', import.meta.url);

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

export function webRoutes(): Router {
  const router = Router();
  router.use((req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      res.set({
        'Content-Security-Policy': CSP,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
      });
    }
    next();
  });
  router.use(
    express.static(fileURLToPath(PUBLIC), { index: 'index.html', fallthrough: true, maxAge: 0, redirect: false }),
  );
  return router;
}
