/**
 * Turns (segment, row) pairs into the objects callers read: the output-field list is resolved once per
 * request (validated against the schema, `*` expanded), then each row is projected from its columns.
 */

import { QuiverError } from '../../errors.js';
import { DYNAMIC_FIELD, type Row } from '../schema/types.js';
import type { ResolvedSchema } from '../schema/validate-schema.js';
import { columnValue } from '../segment/columns.js';
import type { Segment } from '../segment/segment.js';

export interface Projection {
  scalars: string[];
  vectors: { name: string; dim: number }[];
  /** Dynamic keys to copy: 'all', or a list of names. */
  dynamic: 'all' | string[];
}

/** Resolves `outputFields`; the default is every scalar field and every dynamic key, but no vectors. */
export function resolveProjection(schema: ResolvedSchema, outputFields?: readonly string[]): Projection {
  const all = schema.scalars.map((f) => f.name);
  if (outputFields === undefined) return { scalars: all, vectors: [], dynamic: schema.dynamic ? 'all' : [] };
  if (!Array.isArray(outputFields)) throw new QuiverError('INVALID_ARGUMENT', 'outputFields must be an array of names');
  const p: Projection = { scalars: [], vectors: [], dynamic: [] };
  for (const name of outputFields) {
    if (name === '*') {
      p.scalars = all;
      if (schema.dynamic) p.dynamic = 'all';
      continue;
    }
    if (name === schema.primary.name) continue;
    const vector = schema.vectors.find((v) => v.name === name);
    if (vector) {
      p.vectors.push({ name, dim: vector.dim });
    } else if (schema.scalars.some((f) => f.name === name)) {
      if (!p.scalars.includes(name)) p.scalars.push(name);
    } else if (schema.dynamic) {
      if (p.dynamic !== 'all') p.dynamic.push(name);
    } else {
      throw new QuiverError('FIELD_NOT_FOUND', `output field "${name}" is not in the schema`, { field: name });
    }
  }
  return p;
}

/** The fields of one row under a projection (without the primary key). */
export function projectRow(segment: Segment, row: number, p: Projection): Row {
  const out: Row = {};
  for (const name of p.scalars) out[name] = columnValue(segment.column(name)!, row);
  for (const { name, dim } of p.vectors) {
    const vector = new Float32Array(dim);
    segment.vectors(name).read(row, vector);
    out[name] = Array.from(vector);
  }
  const metaColumn = segment.column(DYNAMIC_FIELD);
  const meta = metaColumn ? (columnValue(metaColumn, row) as Record<string, unknown> | null) : null;
  if (meta) {
    if (p.dynamic === 'all') Object.assign(out, meta);
    else for (const key of p.dynamic) if (key in meta) out[key] = meta[key];
  }
  return out;
}
