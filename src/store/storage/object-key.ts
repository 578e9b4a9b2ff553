/**
 * Object key rules shared by every ObjectStore implementation, so that a key valid in memory is valid on
 * disk and in S3: non-empty '/'-separated parts of [A-Za-z0-9._-], no '.' or '..' part, no leading or
 * trailing '/'. A part may not contain '.tmp-' either: the local store names its in-flight temp files that
 * way, and a key that looked like one would be hidden from `list`.
 */

import { QuiverError } from '../../errors.js';

const PART = /^[A-Za-z0-9._-]+$/;
const TEMP_MARK = '.tmp-';

/** Throws QuiverError INVALID_ARGUMENT unless `key` is a valid object key. */
export function validateObjectKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new QuiverError('INVALID_ARGUMENT', 'object key must be a non-empty string', { received: key });
  }
  for (const part of key.split('/')) {
    if (part === '' || part === '.' || part === '..' || !PART.test(part) || part.includes(TEMP_MARK)) {
      throw new QuiverError(
        'INVALID_ARGUMENT',
        `invalid object key "${key}": parts must be non-empty [A-Za-z0-9._-], not '.' or '..', without '${TEMP_MARK}'`,
        { received: key },
      );
    }
  }
}

/** Throws INVALID_ARGUMENT unless `prefix` is a string (any string is a valid list prefix). */
export function validatePrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== 'string') {
    throw new QuiverError('INVALID_ARGUMENT', 'list prefix must be a string', { received: prefix });
  }
}

/** Throws INVALID_ARGUMENT unless `data` is a Uint8Array (a Buffer is one). */
export function validateData(data: unknown): asserts data is Uint8Array {
  if (!(data instanceof Uint8Array)) {
    throw new QuiverError('INVALID_ARGUMENT', 'object data must be a Uint8Array');
  }
}

/** Throws INVALID_ARGUMENT unless offset and length are non-negative safe integers. */
export function validateRange(offset: unknown, length: unknown): void {
  if (
    !Number.isSafeInteger(offset) ||
    (offset as number) < 0 ||
    !Number.isSafeInteger(length) ||
    (length as number) < 0
  ) {
    throw new QuiverError('INVALID_ARGUMENT', 'range offset and length must be non-negative integers', {
      received: { offset, length },
    });
  }
}

/** Whether a file name is one of the local store's temp files. */
export function isTempName(name: string): boolean {
  return name.includes(TEMP_MARK);
}

/** The temp file name a write to `name` goes through before its rename. */
export function tempNameFor(name: string, random: string): string {
  return `${name}${TEMP_MARK}${random}`;
}
