/**
 * How rows and keys travel as JSON, which has no bigint and no Float32Array.
 *
 * - Vectors are arrays of numbers, both ways; stored vectors (typed arrays) are turned into plain arrays on the
 *   way out, since JSON.stringify would make an object of indices out of a Float32Array.
 * - Int primary keys ("int64" in Milvus terms) are held by the store as safe integers (|n| ≤ 2^53 − 1), which a
 *   JSON number carries exactly, so responses always give them as numbers. Requests may give them as numbers or
 *   as canonical decimal strings (`"42"`), the form protobuf-style encoders use for int64; a key beyond the safe
 *   range is refused with TYPE_MISMATCH rather than silently rounded.
 * - String keys are strings; a number given for one is TYPE_MISMATCH, never a silent miss.
 * Everything else in a row goes to the store as parsed, and the store checks it against the schema.
 */

import { QuiverError } from '../errors.js';
import type { PrimaryKey } from '../store/schema/batch.js';
import type { Row } from '../store/schema/types.js';

/** The primary key field of a collection, as `Collection.describe()` lists it. */
export interface KeyField {
  name: string;
  type: string;
}

const DECIMAL = /^-?(0|[1-9][0-9]*)$/;

/** `value` with every typed array inside it turned into a plain array (and any bigint into a string). */
export function toJson(value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView))
    return Array.from(value as unknown as ArrayLike<number>);
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toJson(v);
    return out;
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** Keys from a request (`ids` of get and delete) as the store takes them, checked against the key's type. */
export function keysFromJson(ids: readonly unknown[], key: KeyField): PrimaryKey[] {
  return ids.map((id, index) => toKey(id, key, `ids[${index}]`, { index }));
}

/** Rows from a request as the store takes them: only an int key given as a decimal string changes. */
export function rowsFromJson(rows: readonly Record<string, unknown>[], key: KeyField): Row[] {
  if (key.type !== 'int') return rows as Row[];
  return rows.map((row, i) => {
    const value = row[key.name];
    // Missing keys (autoId collections) and wrong types are the store's to judge, with its own messages.
    if (typeof value !== 'string') return row;
    return { ...row, [key.name]: toKey(value, key, `row ${i}`, { row: i }) };
  });
}

function toKey(value: unknown, key: KeyField, where: string, at: Record<string, number>): PrimaryKey {
  if (key.type !== 'int') {
    if (typeof value === 'string' && value !== '') return value;
    throw keyMismatch(where, key, 'a non-empty string key', value, at);
  }
  const n = typeof value === 'string' && DECIMAL.test(value) ? Number(value) : value;
  if (typeof n === 'number' && Number.isSafeInteger(n)) return n;
  throw keyMismatch(
    where,
    key,
    'an int key: a safe integer (|n| ≤ 2^53 − 1) as a JSON number or a decimal string',
    value,
    at,
  );
}

function keyMismatch(where: string, key: KeyField, expected: string, value: unknown, at: Record<string, number>) {
  const received = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return new QuiverError('TYPE_MISMATCH', `${where}: key "${key.name}" expects ${expected}, got ${received}`, {
    ...at,
    field: key.name,
    expected,
    received,
  });
}
