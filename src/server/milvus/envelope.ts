/**
 * Milvus REST v2's response envelope: HTTP 200 with `{ code: 0, data, cost }` on success and `{ code, message }` on
 * failure, where `code` is a Milvus-style error number (HTTP-level failures keep their 4xx status too). Quiver's own error code rides along as `quiverCode` (and
 * a filter error's position as `details`), so a client can still tell errors apart exactly.
 */

import type { Response } from 'express';
import { QuiverError } from '../../errors.js';
import { toErrorResponse } from '../http-errors.js';

/** Milvus's numbers for the failures it has names for; everything else is its generic 65535. */
const MILVUS_CODES: Record<string, number> = {
  COLLECTION_NOT_FOUND: 100,
  PARTITION_NOT_FOUND: 200,
  INVALID_ARGUMENT: 1100,
  SCHEMA_INVALID: 1100,
  FIELD_NOT_FOUND: 1100,
  TYPE_MISMATCH: 1100,
  MISSING_FIELD: 1100,
  DIMENSION_MISMATCH: 1100,
  INVALID_VECTOR: 1100,
  DUPLICATE_KEY: 1100,
  BATCH_TOO_LARGE: 1100,
  FILTER_SYNTAX: 1100,
  FILTER_TYPE: 1100,
  FILTER_PARAM: 1100,
  UNSUPPORTED: 1100,
  UNAUTHORIZED: 1800,
  FORBIDDEN: 1800,
  PAYLOAD_TOO_LARGE: 1100,
  ROUTE_NOT_FOUND: 1100,
};

export function ok(res: Response, data: unknown, extra: Record<string, unknown> = {}): void {
  res.json({ code: 0, cost: 0, data, ...extra });
}

export function fail(res: Response, err: unknown): void {
  const { status, body } = toErrorResponse(err);
  const code = MILVUS_CODES[body.error.code] ?? 65535;
  // Errors about the data or the request's fields get Milvus's 200 with a code; HTTP-level ones (unparsable or
  // oversized bodies, unknown routes, missing scopes) and failures on our side keep their status.
  res.status(err instanceof QuiverError && status < 500 ? 200 : status).json({
    code,
    message: body.error.message,
    quiverCode: body.error.code,
    ...(body.error.details ? { details: body.error.details } : {}),
  });
}

/** A request that uses a Milvus feature Quiver does not have. */
export function unsupported(what: string): QuiverError {
  return new QuiverError('INVALID_ARGUMENT', `${what} is not supported by Quiver's Milvus-compatible API`, {
    unsupported: what,
  });
}
