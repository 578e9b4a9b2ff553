/**
 * HTTP calls for remote embedders: one JSON POST per attempt with its own timeout (AbortSignal), retried
 * with exponential backoff and jitter on 429, 5xx, timeouts and network errors, honouring `Retry-After`.
 * Anything else (a 4xx) fails at once with the server's error message in the QuiverError.
 */

import { QuiverError } from '../errors.js';

export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Delay before the first retry, doubled each time. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** Per-attempt timeout. */
  timeoutMs: number;
}

interface AttemptFailure {
  retryable: boolean;
  error: QuiverError;
  retryAfterMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** The server's own message from an OpenAI-style error body (`{ error: { message } }`), else the raw text. */
function errorMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
    if (typeof parsed.error?.message === 'string') return parsed.error.message;
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.slice(0, 500);
}

async function attempt(url: string, init: RequestInit, timeoutMs: number): Promise<unknown | AttemptFailure> {
  let response: Response;
  let body: string;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    body = await response.text();
  } catch (cause) {
    const timedOut = cause instanceof DOMException && cause.name === 'TimeoutError';
    const reason = timedOut ? `timed out after ${timeoutMs} ms` : `failed: ${String(cause)}`;
    return {
      retryable: true,
      error: new QuiverError(
        'IO_ERROR',
        `POST ${url} ${reason}`,
        { reason: timedOut ? 'timeout' : 'network' },
        { cause },
      ),
    };
  }
  if (response.ok) {
    try {
      return JSON.parse(body) as unknown;
    } catch (cause) {
      return {
        retryable: false,
        error: new QuiverError('IO_ERROR', `POST ${url} returned invalid JSON`, { status: response.status }, { cause }),
      };
    }
  }
  const status = response.status;
  const message = `POST ${url} answered ${status}: ${errorMessage(body)}`;
  const retryable = status === 429 || status >= 500;
  // 400 and 422 mean the request itself is wrong (bad model name, input too long); other statuses are the service's.
  const code = status === 400 || status === 422 ? 'INVALID_ARGUMENT' : 'IO_ERROR';
  const after = retryAfterMs(response.headers.get('retry-after'));
  return {
    retryable,
    error: new QuiverError(code, message, { status, body: body.slice(0, 2000) }),
    ...(after === undefined ? {} : { retryAfterMs: after }),
  };
}

function isFailure(value: unknown): value is AttemptFailure {
  return typeof value === 'object' && value !== null && (value as AttemptFailure).error instanceof QuiverError;
}

/** POSTs `payload` as JSON and returns the parsed JSON answer, retrying transient failures per `policy`. */
export async function postJsonWithRetry(
  url: string,
  payload: unknown,
  headers: Record<string, string>,
  policy: RetryPolicy,
): Promise<unknown> {
  const init: RequestInit = {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(payload),
  };
  for (let retry = 0; ; retry++) {
    const outcome = await attempt(url, init, policy.timeoutMs);
    if (!isFailure(outcome)) return outcome;
    if (!outcome.retryable || retry >= policy.maxRetries) {
      outcome.error.details.attempts = retry + 1;
      throw outcome.error;
    }
    const backoff = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** retry);
    // "Equal jitter": at least half the backoff, so retries from many clients spread out but still wait.
    const delay = outcome.retryAfterMs ?? backoff / 2 + Math.random() * (backoff / 2);
    await sleep(Math.min(delay, policy.maxDelayMs));
  }
}
