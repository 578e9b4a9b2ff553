/**
 * `GET /`: the web page, served from the package's `public/` folder with a strict Content-Security-Policy (scripts,
 * styles and requests to this origin only, no inline code), so the page needs no build step and loads nothing remote.
 */

import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';

/** This file is src/server/routes/web.ts (or dist/server/routes/web.js): public/ is three levels up either way. */
const PUBLIC = fileURLToPath(new URL('../../../public/', import.meta.url));

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

export function webRoutes(): Router {
  const router = Router();
  router.use(
    express.static(PUBLIC, {
      index: 'index.html',
      redirect: false,
      // Only the page's own files get these headers; requests for anything else fall through to the API.
      setHeaders(res) {
        res.set({
          'Content-Security-Policy': CSP,
          'X-Content-Type-Options': 'nosniff',
          'Referrer-Policy': 'no-referrer',
          'Cache-Control': 'no-cache',
        });
      },
    }),
  );
  return router;
}
