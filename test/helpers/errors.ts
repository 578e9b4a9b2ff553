/**
 * Assertions about thrown QuiverErrors, shared by the test files: each fails the test when nothing is thrown or
 * something other than a QuiverError is, and returns the error for further checks.
 */

import { expect } from 'vitest';
import { QuiverError } from '../../src/errors.js';

/** The QuiverError a synchronous call throws. */
export function quiverErrorOf(f: () => unknown): QuiverError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(QuiverError);
    return err as QuiverError;
  }
  throw new Error('expected a QuiverError');
}

/** The QuiverError a promise rejects with (or a function throws or rejects with), checked to carry `code`. */
export async function expectCode(p: Promise<unknown> | (() => unknown), code: string): Promise<QuiverError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    expect(err).toBeInstanceOf(QuiverError);
    expect((err as QuiverError).code).toBe(code);
    return err as QuiverError;
  }
  throw new Error(`expected ${code}`);
}
