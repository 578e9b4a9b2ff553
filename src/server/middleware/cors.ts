/**
 * CORS from the `server.cors` setting: `[]` sends no CORS headers (browsers then allow same-origin pages only, like
 * the built-in one), `'*'` allows any origin, and a list allows exactly those origins. Preflight requests are
 * answered here with 204.
 */

import type { RequestHandler } from 'express';

export type CorsSetting = '*' | readonly string[];

const ALLOW_HEADERS = 'authorization, content-type, accept, request-timeout, x-request-id';
const ALLOW_METHODS = 'GET, POST, PUT, DELETE, OPTIONS';

export function cors(setting: CorsSetting = []): RequestHandler {
  const any = setting === '*';
  const allowed = new Set(any ? [] : setting);
  return (req, res, next) => {
    const origin = req.get('origin');
    if (origin === undefined || (!any && !allowed.has(origin))) return next();
    res.set('Access-Control-Allow-Origin', any ? '*' : origin);
    if (!any) res.vary('Origin');
    res.set('Access-Control-Expose-Headers', 'x-request-id');
    if (req.method === 'OPTIONS' && req.get('access-control-request-method')) {
      res.set({
        'Access-Control-Allow-Methods': ALLOW_METHODS,
        'Access-Control-Allow-Headers': ALLOW_HEADERS,
        'Access-Control-Max-Age': '600',
      });
      return res.status(204).end();
    }
    next();
  };
}
