/**
 * Turns caller rows into a RowBatch, checking every value against the schema first. A batch is all or
 * nothing: the first bad value throws a QuiverError naming the row and field, and nothing is written.
 */

import { QuiverError } from '../../errors.js';
import { normalizeInPlace } from '../vector/distance.js';
import type { PrimaryKey, RowBatch } from './batch.js';
import { DYNAMIC_FIELD, type JsonValue, type Row, type ScalarFieldSchema } from './types.js';
import type { ResolvedSchema, ResolvedVectorField } from './validate-schema.js';

export interface BatchLimits {
  /** Most rows in one write. Default 10,000. */
  maxRows: number;
  /** Most bytes of vector data in one write. Default 64 MiB. */
  maxVectorBytes: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxRows: 10_000, maxVectorBytes: 64 * 1024 * 1024 };
const MAX_JSON_DEPTH = 32;

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  return typeof v;
}

function mismatch(row: number, field: string, expected: string, value: unknown): never {
  throw new QuiverError('TYPE_MISMATCH', `row ${row}: field "${field}" expects ${expected}, got ${typeName(value)}`, {
    row,
    field,
    expected,
    received: typeName(value),
  });
}

/** Checks a JSON value: plain objects, arrays, finite numbers, strings, booleans and null only. */
export function checkJson(value: unknown, row: number, field: string, depth = 0): JsonValue {
  if (depth > MAX_JSON_DEPTH) mismatch(row, field, `JSON nested at most ${MAX_JSON_DEPTH} deep`, value);
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) mismatch(row, field, 'JSON (finite numbers only)', value);
    return value;
  }
  if (Array.isArray(value)) {
    for (const v of value) checkJson(v, row, field, depth + 1);
    return value as JsonValue[];
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value as object)) checkJson(v, row, field, depth + 1);
    return value as JsonValue;
  }
  return mismatch(row, field, 'a JSON value', value);
}

function checkScalar(f: ScalarFieldSchema, value: unknown, row: number): unknown {
  const name = f.name;
  switch (f.type) {
    case 'bool':
      return typeof value === 'boolean' ? value : mismatch(row, name, 'bool', value);
    case 'int':
      return Number.isSafeInteger(value) ? value : mismatch(row, name, 'int (a safe integer)', value);
    case 'float':
      return typeof value === 'number' && Number.isFinite(value) ? value : mismatch(row, name, 'a finite float', value);
    case 'string':
      if (typeof value !== 'string') mismatch(row, name, 'string', value);
      if (value.length > f.maxLength!) mismatch(row, name, `string of at most ${f.maxLength} chars`, value);
      return value;
    case 'string[]': {
      if (!Array.isArray(value)) mismatch(row, name, 'string[]', value);
      if (value.length > f.maxCapacity!) mismatch(row, name, `at most ${f.maxCapacity} elements`, value);
      for (const s of value) {
        if (typeof s !== 'string' || s.length > f.maxLength!) mismatch(row, name, 'string[]', s);
      }
      return value.slice();
    }
    case 'json':
      return checkJson(value, row, name);
  }
}

function checkVector(f: ResolvedVectorField, value: unknown, row: number, out: Float32Array): void {
  const isArray = Array.isArray(value) || value instanceof Float32Array || value instanceof Float64Array;
  if (!isArray) mismatch(row, f.name, `a vector of ${f.dim} numbers`, value);
  const v = value as ArrayLike<unknown>;
  if (v.length !== f.dim) {
    throw new QuiverError(
      'DIMENSION_MISMATCH',
      `row ${row}: vector "${f.name}" has ${v.length} dims, expected ${f.dim}`,
      {
        row,
        field: f.name,
        expected: f.dim,
        received: v.length,
      },
    );
  }
  const off = row * f.dim;
  for (let i = 0; i < f.dim; i++) {
    const x = v[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw new QuiverError(
        'INVALID_VECTOR',
        `row ${row}: vector "${f.name}"[${i}] is ${String(x)}, not a finite number`,
        {
          row,
          field: f.name,
          index: i,
        },
      );
    }
    out[off + i] = x;
    // A finite double can still overflow float32 (|x| > 3.4e38) and would be stored as Infinity.
    if (!Number.isFinite(out[off + i]!)) {
      throw new QuiverError(
        'INVALID_VECTOR',
        `row ${row}: vector "${f.name}"[${i}] is ${String(x)}, outside the float32 range`,
        { row, field: f.name, index: i },
      );
    }
  }
  if (f.metric === 'cosine' && normalizeInPlace(out, off, f.dim) === 0) {
    throw new QuiverError('INVALID_VECTOR', `row ${row}: vector "${f.name}" is all zeros, which has no cosine`, {
      row,
      field: f.name,
    });
  }
}

function checkPrimary(schema: ResolvedSchema, value: unknown, row: number): PrimaryKey {
  const pk = schema.primary;
  if (pk.type === 'int') {
    if (!Number.isSafeInteger(value)) mismatch(row, pk.name, 'an int primary key (a safe integer)', value);
    return value as number;
  }
  if (typeof value !== 'string' || value.length === 0) mismatch(row, pk.name, 'a non-empty string key', value);
  if (value.length > pk.maxLength) mismatch(row, pk.name, `a key of at most ${pk.maxLength} chars`, value);
  return value;
}

/**
 * Validates `rows` and packs them into a batch. `assignIds` supplies keys for autoId collections.
 * Throws TYPE_MISMATCH, DIMENSION_MISMATCH, INVALID_VECTOR, MISSING_FIELD, FIELD_NOT_FOUND, DUPLICATE_KEY,
 * BATCH_TOO_LARGE or INVALID_ARGUMENT.
 */
export function validateRows(
  schema: ResolvedSchema,
  rows: readonly Row[],
  partition: string,
  options: { limits?: BatchLimits; assignIds?: (n: number) => number[]; mode: 'insert' | 'upsert' },
): RowBatch {
  if (!Array.isArray(rows)) throw new QuiverError('INVALID_ARGUMENT', 'rows must be an array of objects');
  const limits = options.limits ?? DEFAULT_BATCH_LIMITS;
  const n = rows.length;
  if (n > limits.maxRows) {
    throw new QuiverError('BATCH_TOO_LARGE', `a batch holds at most ${limits.maxRows} rows; got ${n}. Split it.`, {
      expected: limits.maxRows,
      received: n,
    });
  }
  const vectorBytes = schema.vectors.reduce((sum, f) => sum + f.dim * 4 * n, 0);
  if (vectorBytes > limits.maxVectorBytes) {
    throw new QuiverError('BATCH_TOO_LARGE', `a batch holds at most ${limits.maxVectorBytes} bytes of vectors`, {
      expected: limits.maxVectorBytes,
      received: vectorBytes,
    });
  }
  const known = new Set(schema.fields.map((f) => f.name));
  const autoId = schema.primary.autoId;
  const ids = autoId && options.mode === 'insert' ? (options.assignIds?.(n) ?? []) : undefined;
  const pks: PrimaryKey[] = new Array(n);
  const vectors: Record<string, Float32Array> = {};
  for (const f of schema.vectors) vectors[f.name] = new Float32Array(n * f.dim);
  const scalars: Record<string, unknown[]> = {};
  for (const f of schema.scalars) scalars[f.name] = new Array(n);
  const meta: (Record<string, JsonValue> | null)[] | undefined = schema.dynamic ? new Array(n) : undefined;
  const seen = new Set<PrimaryKey>();

  for (let r = 0; r < n; r++) {
    const row = rows[r];
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      throw new QuiverError('INVALID_ARGUMENT', `row ${r} is not an object`, { row: r });
    }
    const pkValue = row[schema.primary.name];
    if (ids) {
      if (pkValue !== undefined) {
        throw new QuiverError(
          'INVALID_ARGUMENT',
          `row ${r}: "${schema.primary.name}" is assigned automatically (autoId)`,
          {
            row: r,
            field: schema.primary.name,
          },
        );
      }
      pks[r] = ids[r]!;
    } else {
      if (pkValue === undefined || pkValue === null) {
        throw new QuiverError('MISSING_FIELD', `row ${r}: primary key "${schema.primary.name}" is missing`, {
          row: r,
          field: schema.primary.name,
        });
      }
      pks[r] = checkPrimary(schema, pkValue, r);
    }
    if (seen.has(pks[r]!)) {
      throw new QuiverError('DUPLICATE_KEY', `row ${r}: key ${JSON.stringify(pks[r])} appears twice in this batch`, {
        row: r,
        key: pks[r],
      });
    }
    seen.add(pks[r]!);
    for (const f of schema.vectors) {
      const v = row[f.name];
      if (v === undefined || v === null) {
        throw new QuiverError('MISSING_FIELD', `row ${r}: vector field "${f.name}" is missing`, {
          row: r,
          field: f.name,
        });
      }
      checkVector(f, v, r, vectors[f.name]!);
    }
    for (const f of schema.scalars) {
      const v = row[f.name];
      if (v === undefined || v === null) {
        if (!f.nullable) {
          throw new QuiverError('MISSING_FIELD', `row ${r}: field "${f.name}" is missing and not nullable`, {
            row: r,
            field: f.name,
          });
        }
        scalars[f.name]![r] = null;
      } else {
        scalars[f.name]![r] = checkScalar(f, v, r);
      }
    }
    let dyn: Record<string, JsonValue> | null = null;
    for (const key of Object.keys(row)) {
      if (known.has(key) || row[key] === undefined) continue;
      if (!meta || key === DYNAMIC_FIELD) {
        throw new QuiverError('FIELD_NOT_FOUND', `row ${r}: unknown field "${key}" (the schema is not dynamic)`, {
          row: r,
          field: key,
        });
      }
      dyn ??= {};
      dyn[key] = checkJson(row[key], r, key);
    }
    if (meta) meta[r] = dyn;
  }
  const batch: RowBatch = { partition, pks, vectors, scalars };
  if (meta) batch.meta = meta;
  return batch;
}
