/**
 * Milvus's `Request-Timeout` header: a whole number of seconds after which the caller gets HTTP 408 with
 * Milvus's timeout code instead of waiting on. A store call cannot be cancelled, so the operation may still
 * finish after the 408 (a write may still land); it stays counted as in flight, so shutdown waits for it.
 */

import type { InFlight } from '../in-flight.js';
import { MilvusCode, MilvusError } from './responses.js';

/** The header's seconds, undefined when it is absent; anything but a whole number ≥ 1 is an invalid parameter. */
export function requestTimeout(header: string | undefined): number | undefined {
  if (header === undefined || header === '') return undefined;
  if (!/^\s*\d+\s*$/.test(header) || Number(header) < 1) {
    throw new MilvusError(
      MilvusCode.PARAMETER_INVALID,
      `invalid parameter: Request-Timeout must be a whole number of seconds ≥ 1; got ${header}`,
    );
  }
  return Number(header);
}

/** `work`'s outcome, or a 408 MilvusError once `seconds` pass (the work then stays tracked by `inFlight`). */
export function withTimeout<T>(work: Promise<T>, seconds: number, inFlight: InFlight): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      void inFlight.run(() =>
        work.then(
          () => undefined,
          () => undefined,
        ),
      );
      reject(
        new MilvusError(
          MilvusCode.TIMEOUT,
          `request timeout: no answer within ${seconds}s (Request-Timeout); the operation may still complete`,
          408,
        ),
      );
    }, seconds * 1000);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
