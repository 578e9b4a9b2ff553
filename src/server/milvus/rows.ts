/**
 * Rows and keys across the Milvus API. Coming in, values get what Milvus's REST layer grants them: Int64 (and
 * narrower) values may be decimal strings, Float and Bool values numeric or "true"/"false" strings, narrow ints
 * are range-checked, arrays of numbers or booleans are checked against their element type and capacity, and a
 * missing value takes the field's declared default. Going out, Int64 values (keys included) become decimal
 * strings when the client asked for that (`Accept-Type-Allow-Int64: false`), and float32 values (vectors, Float
 * fields, distances) are written in their shortest float32 form, as Milvus writes them.
 */

import { isQuiverError } from '../../errors.js';
import type { PrimaryKey } from '../../store/schema/batch.js';
import type { Row } from '../../store/schema/types.js';
import { keysFromJson, toJson } from '../json-rows.js';
import { MilvusCode, MilvusError } from './responses.js';
import { type CollectionView, type FieldView, INT_BOUNDS } from './schema-meta.js';

const DECIMAL = /^-?(0|[1-9][0-9]*)$/;
const NUMERIC = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function badRow(row: number, message: string): MilvusError {
  return new MilvusError(MilvusCode.INVALID_INSERT_DATA, `fail to deal the insert data, error: row ${row}: ${message}`);
}

function intIn(f: FieldView, type: string, value: unknown, row: number, where: string): unknown {
  const n = typeof value === 'string' && DECIMAL.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) return value; // the store names the type error
  const [lo, hi] = INT_BOUNDS[type]!;
  if (!Number.isSafeInteger(n)) {
    throw badRow(row, `${where} of "${f.name}" is ${String(value)}, beyond ±(2^53 − 1), which Quiver's ints hold`);
  }
  if (n < lo || n > hi) throw badRow(row, `${where} of "${f.name}" is ${n}, outside the ${type} range`);
  return n;
}

/** An Array field of numbers or booleans, which Quiver keeps in a json field. */
function checkArray(f: FieldView, value: unknown, row: number): unknown {
  if (!Array.isArray(value)) throw badRow(row, `"${f.name}" must be an array of ${f.elementType}`);
  if (f.maxCapacity !== undefined && value.length > f.maxCapacity) {
    throw badRow(row, `"${f.name}" holds ${value.length} elements, over its max_capacity of ${f.maxCapacity}`);
  }
  const element = f.elementType!;
  return value.map((v, i) => {
    if (element in INT_BOUNDS) {
      const n = intIn(f, element, v, row, `element ${i}`);
      if (!Number.isInteger(n)) throw badRow(row, `element ${i} of "${f.name}" is not an ${element}`);
      return n;
    }
    if (element === 'Bool') {
      if (typeof v !== 'boolean') throw badRow(row, `element ${i} of "${f.name}" is not a Bool`);
      return v;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) throw badRow(row, `element ${i} of "${f.name}" is not a number`);
    return v;
  });
}

/** Rows of an insert or upsert, normalized as Milvus's REST layer would accept them. */
export function rowsIn(view: CollectionView, data: Record<string, unknown>[] | Record<string, unknown>): Row[] {
  const rows = Array.isArray(data) ? data : [data];
  return rows.map((input, r) => {
    const row: Row = { ...input };
    for (const f of view.fields) {
      const value = row[f.name];
      if (value === undefined || value === null) {
        if (f.defaultValue !== undefined) row[f.name] = f.defaultValue;
        continue;
      }
      if (f.dataType in INT_BOUNDS) row[f.name] = intIn(f, f.dataType, value, r, 'the value');
      else if ((f.dataType === 'Float' || f.dataType === 'Double') && typeof value === 'string' && NUMERIC.test(value))
        row[f.name] = Number(value);
      else if (f.dataType === 'Bool' && (value === 'true' || value === 'false')) row[f.name] = value === 'true';
      else if (f.dataType === 'Array' && f.quiver.type === 'json') row[f.name] = checkArray(f, value, r);
    }
    return row;
  });
}

/** Keys from a request's `id` (one, or a list), as the store takes them. */
export function keysIn(view: CollectionView, id: unknown): PrimaryKey[] {
  const ids = Array.isArray(id) ? id : [id];
  try {
    return keysFromJson(ids, { name: view.primary.name, type: view.primary.quiver.type });
  } catch (err) {
    if (!isQuiverError(err, 'TYPE_MISMATCH')) throw err;
    throw new MilvusError(
      MilvusCode.CHECK_PRIMARY_KEY,
      `please check the primary key and its' type can only in [int, string], error: ${err.message}`,
    );
  }
}

/** The shortest decimal that reads back as the same float32, as Milvus (Go) writes float32 values. */
export function float32(x: number): number {
  const f = Math.fround(x);
  if (!Number.isFinite(f) || f === 0) return f;
  let lo = 1;
  let hi = 9; // 9 significant digits always round-trip a float32
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (Math.fround(Number(f.toPrecision(mid))) === f) hi = mid;
    else lo = mid + 1;
  }
  return Number(f.toPrecision(lo));
}

export type RowOut = (row: Row, extra?: Record<string, unknown>) => Record<string, unknown>;

/** Writes rows (and hits) the way Milvus answers them; `extra` (id, distance) goes on top. */
export function rowWriter(view: CollectionView, int64AsString: boolean): RowOut {
  const convert = (f: FieldView | undefined, value: unknown): unknown => {
    if (f === undefined || value === null || value === undefined) return toJson(value);
    if (f.dataType === 'Int64' && int64AsString && typeof value === 'number') return String(value);
    if (f.dataType === 'Float' && typeof value === 'number') return float32(value);
    if (f.dataType === 'FloatVector' && (Array.isArray(value) || ArrayBuffer.isView(value))) {
      return Array.from(value as ArrayLike<number>, float32);
    }
    return toJson(value);
  };
  return (row, extra = {}) => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(row)) out[key] = convert(view.byName.get(key), value);
    for (const [key, value] of Object.entries(extra)) out[key] = value;
    return out;
  };
}

/** A key as it goes out: a decimal string for Int64 keys when the client asked for strings. */
export function keyOut(view: CollectionView, key: PrimaryKey, int64AsString: boolean): PrimaryKey {
  return int64AsString && typeof key === 'number' && view.primary.dataType === 'Int64' ? String(key) : key;
}
