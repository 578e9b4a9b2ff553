/**
 * Retries, deadlines and error mapping for S3ObjectStore. It reads SDK errors by their shape (name, HTTP status,
 * Node error code), so it imports nothing from the AWS SDK and can be tested alone. Each store call runs under
 * one deadline that covers every attempt; each attempt also has its own timeout, so one hung connection does
 * not use up the whole deadline. Only transient failures are retried: network errors, 5xx (except 501), 429,
 * throttling, attempts that timed out, and bodies cut short. A 4xx such as NoSuchKey or AccessDenied never is.
 */

import { isQuiverError, QuiverError } from '../../errors.js';

export interface RetryPolicy {
  /** Most attempts per call, the first included. */
  maxAttempts: number;
  /** Deadline of one call, every attempt and backoff included. */
  deadlineMs: number;
  /** Timeout of one attempt (one HTTP request and its body). */
  attemptTimeoutMs: number;
  /** Backoff before attempt n+1 is between half and all of min(maxDelayMs, baseDelayMs * 2^(n-1)). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Called before each backoff sleep (for logs and metrics). */
  onRetry?: (event: RetryEvent) => void;
}

export interface RetryEvent {
  op: string;
  /** The object (s3://bucket/key) or bucket the call is about. */
  file: string;
  /** The attempt that failed, from 1. */
  attempt: number;
  delayMs: number;
  error: unknown;
}

/** What a failed S3 request means to the store. */
export type S3Failure = 'not-found' | 'invalid-range' | 'transient' | 'fatal';

/** Thrown by the store when a response body is shorter than its headers promised; retried like a reset. */
export class IncompleteBodyError extends Error {
  override readonly name = 'IncompleteBody';
}

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

const TRANSIENT_NAMES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'ServiceUnavailable',
  // The server saw a body whose Content-MD5 did not match: it was damaged in transit, so sending it again helps.
  'BadDigest',
  // The SDK's own socket and connection timeouts.
  'TimeoutError',
  'IncompleteBody',
]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);

const NOT_FOUND_NAMES = new Set(['NoSuchKey', 'NotFound']);

/** The HTTP status of an SDK service error, if it has one. */
export function httpStatusOf(err: unknown): number | undefined {
  const status = (err as ErrorShape | undefined)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The S3 error code (the SDK puts it in `name`) or Node error code of `err`. */
export function s3CodeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { name, code } = err as ErrorShape;
  if (typeof code === 'string') return code;
  return typeof name === 'string' && name !== 'Error' ? name : undefined;
}

function hasNetworkCode(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 4) return false;
  const shape = err as ErrorShape;
  if (typeof shape.code === 'string' && NETWORK_CODES.has(shape.code)) return true;
  // Node's connect with several addresses fails with an AggregateError of per-address errors.
  if (Array.isArray(shape.errors) && shape.errors.some((e) => hasNetworkCode(e, depth + 1))) return true;
  return hasNetworkCode(shape.cause, depth + 1);
}

/** Sorts a failed request into what the store does next. */
export function classifyS3Error(err: unknown): S3Failure {
  if (isQuiverError(err)) return 'fatal';
  const status = httpStatusOf(err);
  const name = (err as ErrorShape | undefined)?.name;
  if (typeof name === 'string') {
    if (NOT_FOUND_NAMES.has(name)) return 'not-found';
    if (name === 'InvalidRange') return 'invalid-range';
    if (TRANSIENT_NAMES.has(name)) return 'transient';
  }
  if (status === 416) return 'invalid-range';
  // A HEAD answer has no body, so its error has only a status to go by.
  if (status === 404 && name !== 'NoSuchBucket' && name !== 'NoSuchUpload') return 'not-found';
  if (status === 429 || (status !== undefined && status >= 500 && status !== 501)) return 'transient';
  if (hasNetworkCode(err)) return 'transient';
  if (status === undefined && (err as ErrorShape | undefined)?.$retryable) return 'transient';
  return 'fatal';
}

/** The backoff before the attempt after `attempt` (from 1): "equal jitter", so it always grows. */
export function backoffDelay(attempt: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(cap / 2 + (Math.random() * cap) / 2);
}

/** Turns a failed S3 request into the QuiverError the store throws. */
export function toQuiverError(err: unknown, op: string, file: string, attempts: number): QuiverError {
  if (isQuiverError(err)) return err;
  const kind = classifyS3Error(err);
  const s3Code = s3CodeOf(err);
  const httpStatus = httpStatusOf(err);
  if (kind === 'not-found') {
    return new QuiverError('NOT_FOUND', `object not found: ${file}`, { file, s3Code, httpStatus }, { cause: err });
  }
  if (kind === 'invalid-range') {
    return new QuiverError('INVALID_ARGUMENT', `${op}: range not satisfiable for ${file}`, {
      file,
      s3Code,
      httpStatus,
      rangeNotSatisfiable: true,
    });
  }
  const msg = err instanceof Error ? err.message : String(err);
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  return new QuiverError(
    'IO_ERROR',
    `${op} failed for ${file}${tries}: ${s3Code ?? 'error'}: ${msg}`,
    { file, s3Code, httpStatus, attempts },
    { cause: err },
  );
}

function timeoutError(op: string, file: string, started: number, attempts: number, last: unknown): QuiverError {
  const elapsed = Date.now() - started;
  const why = last === undefined ? '' : `; last error: ${s3CodeOf(last) ?? 'error'}: ${(last as ErrorShape).message}`;
  return new QuiverError(
    'TIMEOUT',
    `${op} of ${file} did not finish within its deadline (${elapsed} ms, ${attempts} attempts${why})`,
    { file, attempts, elapsedMs: elapsed },
    { cause: last },
  );
}

function abortedError(op: string, file: string): QuiverError {
  return new QuiverError('ABORTED', `${op} of ${file} was cancelled`, { file });
}

function sleep(ms: number, cancel?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (cancel?.aborted) return resolve(false);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      cancel?.removeEventListener('abort', onAbort);
      resolve(ok);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    cancel?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `attempt` until it succeeds, fails for good, runs out of attempts, or the deadline passes. Each run gets
 * a signal that fires when that attempt times out, the deadline passes, or `cancel` fires. Errors come out as
 * QuiverErrors: NOT_FOUND, INVALID_ARGUMENT (an unsatisfiable range), IO_ERROR, TIMEOUT or ABORTED; a
 * QuiverError thrown by `attempt` itself passes through unretried.
 * @example
 * const bytes = await withRetry('get', 's3://b/k', policy, (signal) => client.send(cmd, { abortSignal: signal }));
 */
export async function withRetry<T>(
  op: string,
  file: string,
  policy: RetryPolicy,
  attempt: (signal: AbortSignal) => Promise<T>,
  cancel?: AbortSignal,
): Promise<T> {
  const started = Date.now();
  const deadline = started + policy.deadlineMs;
  let last: unknown;
  for (let n = 1; ; n++) {
    if (cancel?.aborted) throw abortedError(op, file);
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw timeoutError(op, file, started, n - 1, last);
    const ctl = new AbortController();
    let stop: 'attempt' | 'deadline' | 'cancel' | undefined;
    const timer = setTimeout(
      () => {
        stop = remaining <= policy.attemptTimeoutMs ? 'deadline' : 'attempt';
        ctl.abort();
      },
      Math.min(remaining, policy.attemptTimeoutMs),
    );
    const onCancel = () => {
      stop = 'cancel';
      ctl.abort();
    };
    cancel?.addEventListener('abort', onCancel, { once: true });
    try {
      return await attempt(ctl.signal);
    } catch (err) {
      if (stop === 'cancel') throw abortedError(op, file);
      if (stop === 'deadline') throw timeoutError(op, file, started, n, err);
      last = err;
      if (stop !== 'attempt' && classifyS3Error(err) !== 'transient') throw toQuiverError(err, op, file, n);
      if (n >= policy.maxAttempts) {
        if (stop === 'attempt') throw timeoutError(op, file, started, n, err);
        throw toQuiverError(err, op, file, n);
      }
      const delayMs = backoffDelay(n, policy);
      // Sleeping past the deadline only to give up then helps no one: report the timeout now.
      if (Date.now() + delayMs >= deadline) throw timeoutError(op, file, started, n, err);
      policy.onRetry?.({ op, file, attempt: n, delayMs, error: err });
      if (!(await sleep(delayMs, cancel))) throw abortedError(op, file);
    } finally {
      clearTimeout(timer);
      cancel?.removeEventListener('abort', onCancel);
    }
  }
}
