/**
 * API-key scopes. A route that reads declares `requireScope('read')`; one that changes data declares
 * `requireScope('write')`. The auth middleware puts the caller's scopes on `res.locals.scopes`; when no keys are
 * configured it leaves them unset, and every route is open.
 */

import type { RequestHandler } from 'express';
import { HttpError } from './http-errors.js';

export type Scope = 'read' | 'write';

export const SCOPES: readonly Scope[] = ['read', 'write'];

export function requireScope(scope: Scope): RequestHandler {
  return (_req, res, next) => {
    const granted = res.locals.scopes as readonly Scope[] | undefined;
    if (granted === undefined || granted.includes(scope)) return next();
    next(new HttpError('FORBIDDEN', `this API key lacks the "${scope}" scope`, { required: scope }));
  };
}
