/**
 * The one place that maps error codes to HTTP statuses, and the JSON error body every route answers with:
 * `{ "error": { "code", "message", "details" } }`. Express's own body-parser errors (bad JSON, too large) are
 * translated into Quiver codes here too, so a client always gets a code it can switch on.
 */

import type { ErrorRequestHandler } from 'express';
import { type ErrorCode, QuiverError } from '../errors.js';

/** HTTP-level failures that have no QuiverError code of their own. */
export type HttpErrorCode =
  | ErrorCode
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'ROUTE_NOT_FOUND'
  | 'SHUTTING_DOWN';

export interface ErrorBody {
  error: { code: HttpErrorCode; message: string; details?: Record<string, unknown> };
}

export function httpStatusFor(code: HttpErrorCode): number {
  switch (code) {
    case 'UNAUTHORIZED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'PAYLOAD_TOO_LARGE':
    case 'BATCH_TOO_LARGE':
      return 413;
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 415;
    case 'SHUTTING_DOWN':
      return 503;
    case 'ROUTE_NOT_FOUND':
    case 'COLLECTION_NOT_FOUND':
    case 'PARTITION_NOT_FOUND':
    case 'NOT_FOUND':
      return 404;
    case 'COLLECTION_EXISTS':
    case 'PARTITION_EXISTS':
    case 'DUPLICATE_KEY':
    case 'CONFLICT':
    case 'INCOMPATIBLE':
      return 409;
    case 'LOCKED':
    case 'CLOSED':
    case 'UNAVAILABLE':
      return 503;
    case 'ABORTED':
      return 499;
    case 'TIMEOUT':
      return 504;
    case 'UPSTREAM':
      return 502;
    case 'CORRUPT':
    case 'UNSUPPORTED_FORMAT':
    case 'IO_ERROR':
    case 'INTERNAL':
      return 500;
    default:
      // Everything else is something wrong with the request: arguments, schema, filter, vector, file.
      return 400;
  }
}

/** An error thrown by a route for a failure that is about HTTP, not about the data (auth, size, routing). */
export class HttpError extends Error {
  constructor(
    readonly code: HttpErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Status and body for any thrown value; unknown errors become INTERNAL without leaking their text. */
export function toErrorResponse(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof QuiverError) {
    return {
      status: httpStatusFor(err.code),
      body: { error: { code: err.code, message: err.message, details: jsonSafe(err.details) } },
    };
  }
  if (err instanceof HttpError) {
    return {
      status: httpStatusFor(err.code),
      body: { error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } },
    };
  }
  // body-parser's errors carry `type` and `status`.
  const e = err as { type?: unknown; status?: unknown; limit?: unknown };
  if (e?.type === 'entity.too.large') {
    return {
      status: 413,
      body: { error: { code: 'PAYLOAD_TOO_LARGE', message: `the request body is over the limit of ${e.limit} bytes` } },
    };
  }
  if (e?.type === 'entity.parse.failed') {
    return {
      status: 400,
      body: {
        error: { code: 'INVALID_ARGUMENT', message: `the request body is not valid JSON: ${(err as Error).message}` },
      },
    };
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return {
      status: e.status,
      body: { error: { code: 'INVALID_ARGUMENT', message: (err as Error).message ?? 'bad request' } },
    };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error; see the server log' } } };
}

/** Drops what JSON cannot carry (bigints become strings, causes are left out). */
function jsonSafe(details: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!details || Object.keys(details).length === 0) return undefined;
  return JSON.parse(JSON.stringify(details, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
}

/** Express error middleware: logs 5xx, answers with the JSON error body. */
export function errorHandler(log: (message: string, err: unknown) => void = console.error): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (res.headersSent) return next(err);
    const { status, body } = toErrorResponse(err);
    if (status >= 500) log(`${body.error.code}: ${(err as Error)?.message ?? err}`, err);
    res.status(status).json(body);
  };
}
