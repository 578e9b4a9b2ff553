/**
 * A request id on every request: the caller's `X-Request-Id` when it is a short, plain token (a proxy in front may
 * set one), else a fresh UUID. It is echoed in the response header and kept on `res.locals.requestId`, so a client
 * reporting a failure can name the exact request.
 */

import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

/** Only short plain tokens are taken from the caller: anything else could smuggle text into headers or logs. */
const ACCEPTED = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestId(): RequestHandler {
  return (req, res, next) => {
    const given = req.get('x-request-id');
    const id = given !== undefined && ACCEPTED.test(given) ? given : randomUUID();
    res.locals.requestId = id;
    res.set('X-Request-Id', id);
    next();
  };
}
