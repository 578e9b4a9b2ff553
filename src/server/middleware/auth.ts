/**
 * Bearer API keys. With no keys configured every route is open (the server listens on loopback by default). With
 * keys, a request must send `Authorization: Bearer <key>` for a known key, else 401; the key's scopes go on
 * `res.locals.scopes` for `requireScope` to check. Keys are compared in constant time, through their digests.
 */

import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpError } from '../http-errors.js';
import type { Scope } from '../scopes.js';

export interface ApiKey {
  key: string;
  scopes: readonly Scope[];
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

export function bearerAuth(keys: readonly ApiKey[]): RequestHandler {
  const known = keys.map((k) => ({ digest: digest(k.key), scopes: k.scopes }));
  return (req, res, next) => {
    if (known.length === 0) return next();
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      res.set('WWW-Authenticate', 'Bearer');
      return next(new HttpError('UNAUTHORIZED', 'this server needs an API key: send Authorization: Bearer <key>'));
    }
    const given = digest(match[1]!);
    // Every key is compared, so the time taken does not say which one (or whether any) matched.
    let scopes: readonly Scope[] | undefined;
    for (const k of known) if (timingSafeEqual(k.digest, given)) scopes = k.scopes;
    if (!scopes) {
      res.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      return next(new HttpError('UNAUTHORIZED', 'the API key is not valid'));
    }
    res.locals.scopes = scopes;
    next();
  };
}
