/**
 * Milvus REST v2's response envelope and its error numbers. Success is HTTP 200 with `{ code: 0, data }` (entity
 * operations add `cost`); a failure is `{ code, message }` with one of Milvus's own numbers (pkg/util/merr), sent
 * with HTTP 200 as Milvus does, except for what is about HTTP itself: a missing scope (403), an unknown operation
 * (404), an oversized body (413), a `Request-Timeout` that ran out (408). Quiver's own code rides along as
 * `quiverCode` (and a filter error's position as `details`), so a client can still tell failures apart exactly.
 */

import type { Response } from 'express';
import { type ErrorCode, QuiverError } from '../../errors.js';
import { HttpError } from '../http-errors.js';

/** The Milvus error numbers this API answers with (names as in Milvus's merr package). */
export const MilvusCode = {
  SUCCESS: 0,
  SERVICE_UNAVAILABLE: 2,
  SERVICE_UNIMPLEMENTED: 10,
  COLLECTION_NOT_FOUND: 100,
  PARTITION_NOT_FOUND: 200,
  DATABASE_NOT_FOUND: 800,
  IO_FAILED: 1001,
  PARAMETER_INVALID: 1100,
  PARAMETER_TOO_LARGE: 1102,
  PRIVILEGE_NOT_PERMITTED: 1401,
  FIELD_NOT_FOUND: 1700,
  NEED_AUTHENTICATE: 1800,
  INCORRECT_PARAMETER_FORMAT: 1801,
  MISSING_REQUIRED_PARAMETERS: 1802,
  INVALID_INSERT_DATA: 1804,
  CHECK_PRIMARY_KEY: 1806,
  OPERATION_NOT_SUPPORTED: 3000,
  CANCELED: 10000,
  TIMEOUT: 10001,
  UNEXPECTED: 65535,
} as const;

/** A failure stated in Milvus's terms: its number, a message, and the HTTP status (200 unless about HTTP). */
export class MilvusError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly status = 200,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'MilvusError';
  }
}

/** A request that uses a Milvus feature Quiver does not have: Milvus's "unsupported operation". */
export function unsupported(what: string, hint?: string): MilvusError {
  return new MilvusError(
    MilvusCode.OPERATION_NOT_SUPPORTED,
    `unsupported operation: ${what} is not supported by Quiver's Milvus-compatible API${hint ? `; ${hint}` : ''}`,
    200,
    { unsupported: what },
  );
}

export function invalid(message: string): MilvusError {
  return new MilvusError(MilvusCode.PARAMETER_INVALID, `invalid parameter: ${message}`);
}

/** Row data errors, which Milvus reports as "fail to deal the insert data". */
const INSERT_DATA_CODES = new Set<ErrorCode>([
  'TYPE_MISMATCH',
  'MISSING_FIELD',
  'DIMENSION_MISMATCH',
  'INVALID_VECTOR',
  'FIELD_NOT_FOUND',
]);

/** The Milvus number for a store error, given the operation it came from (`entities/insert`, ...). */
export function milvusCodeFor(code: ErrorCode, op: string, details: Record<string, unknown> = {}): number {
  if ((op === 'entities/insert' || op === 'entities/upsert') && INSERT_DATA_CODES.has(code))
    return MilvusCode.INVALID_INSERT_DATA;
  switch (code) {
    case 'COLLECTION_NOT_FOUND':
      return MilvusCode.COLLECTION_NOT_FOUND;
    case 'PARTITION_NOT_FOUND':
      return MilvusCode.PARTITION_NOT_FOUND;
    case 'FIELD_NOT_FOUND':
      // An unknown name inside a filter is an expression error, as in Milvus; an unknown output field is not.
      return details.position === undefined ? MilvusCode.FIELD_NOT_FOUND : MilvusCode.PARAMETER_INVALID;
    case 'BATCH_TOO_LARGE':
      return MilvusCode.PARAMETER_TOO_LARGE;
    case 'LOCKED':
    case 'CLOSED':
    case 'UNAVAILABLE':
      return MilvusCode.SERVICE_UNAVAILABLE;
    case 'IO_ERROR':
      return MilvusCode.IO_FAILED;
    case 'TIMEOUT':
      return MilvusCode.TIMEOUT;
    case 'ABORTED':
      return MilvusCode.CANCELED;
    case 'CORRUPT':
    case 'UNSUPPORTED_FORMAT':
    case 'INTERNAL':
    case 'CONFLICT':
    case 'UPSTREAM':
    case 'NOT_FOUND':
      return MilvusCode.UNEXPECTED;
    default:
      // Arguments, schemas, types, dimensions, vectors, duplicate keys, filters, existing names.
      return MilvusCode.PARAMETER_INVALID;
  }
}

/** Store errors that are Quiver's fault or its disk's, not the request's: these are logged. */
const SERVER_SIDE = new Set<ErrorCode>(['CORRUPT', 'UNSUPPORTED_FORMAT', 'INTERNAL', 'IO_ERROR', 'CONFLICT']);

export interface FailureBody {
  code: number;
  message: string;
  quiverCode?: string;
  details?: Record<string, unknown>;
}

/** Status and envelope for any thrown value; `log` gets the failures that are not the caller's doing. */
export function failure(
  err: unknown,
  op: string,
  log: (message: string, err: unknown) => void,
): { status: number; body: FailureBody } {
  if (err instanceof MilvusError) {
    return {
      status: err.status,
      body: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) },
    };
  }
  if (err instanceof QuiverError) {
    if (SERVER_SIDE.has(err.code)) log(`milvus ${op}: ${err.code}: ${err.message}`, err);
    const details = jsonSafe(err.details);
    return {
      status: 200,
      body: {
        code: milvusCodeFor(err.code, op, err.details),
        message: err.message,
        quiverCode: err.code,
        ...(details ? { details } : {}),
      },
    };
  }
  if (err instanceof HttpError) {
    switch (err.code) {
      case 'FORBIDDEN':
        return { status: 403, body: { code: MilvusCode.PRIVILEGE_NOT_PERMITTED, message: err.message } };
      case 'UNAUTHORIZED':
        return { status: 401, body: { code: MilvusCode.NEED_AUTHENTICATE, message: err.message } };
      default:
        return { status: 200, body: { code: MilvusCode.PARAMETER_INVALID, message: err.message } };
    }
  }
  // body-parser's errors carry `type`, `status` and `limit`.
  const e = err as { type?: unknown; status?: unknown; limit?: unknown; message?: unknown };
  if (e?.type === 'entity.too.large') {
    return {
      status: 413,
      body: {
        code: MilvusCode.PARAMETER_TOO_LARGE,
        message: `parameter too large: the request body is over the limit of ${e.limit} bytes`,
      },
    };
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    // A body that is not JSON (or not UTF-8, or compressed in a way we do not read): Milvus's 1801.
    return {
      status: 200,
      body: {
        code: MilvusCode.INCORRECT_PARAMETER_FORMAT,
        message: `can only accept json format request, error: ${String(e.message ?? 'unreadable body')}`,
      },
    };
  }
  log(`milvus ${op}: ${(err as Error)?.message ?? err}`, err);
  return { status: 200, body: { code: MilvusCode.UNEXPECTED, message: 'unexpected error; see the server log' } };
}

export function sendOk(res: Response, data: unknown, extra: Record<string, unknown> = {}): void {
  res.status(200).json({ code: MilvusCode.SUCCESS, data, ...extra });
}

export function sendFailure(
  res: Response,
  err: unknown,
  op: string,
  log: (message: string, err: unknown) => void,
): void {
  const { status, body } = failure(err, op, log);
  res.status(status).json(body);
}

/** Drops what JSON cannot carry (bigints become strings); undefined when there is nothing to say. */
function jsonSafe(details: Record<string, unknown>): Record<string, unknown> | undefined {
  if (Object.keys(details).length === 0) return undefined;
  return JSON.parse(JSON.stringify(details, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
}
