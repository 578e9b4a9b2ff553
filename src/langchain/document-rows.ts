/**
 * How LangChain Documents map onto a collection's rows, kept apart from the VectorStore class so the mapping
 * can be read (and tested) on its own: which fields hold the key, the text and the vector; a Document (plus
 * its vector and id) as a row; a search hit as a Document; and a `QuiverFilter` as Quiver's filter + params.
 */

import { Document } from '@langchain/core/documents';
import { QuiverError } from '../errors.js';
import type { Collection } from '../store/collection/collection.js';
import type { PrimaryKey } from '../store/schema/batch.js';
import { DYNAMIC_FIELD, type FieldSchema, type Metric, type Row } from '../store/schema/types.js';

/**
 * A filter for QuiverVectorStore: a Quiver filter expression (docs/filter-language.md), or one with `{name}`
 * placeholders and their values.
 */
export type QuiverFilter = string | { expr: string; params?: Record<string, unknown> };

/** Where a collection keeps each part of a Document. */
export interface FieldLayout {
  primary: string;
  primaryType: 'string' | 'int';
  autoId: boolean;
  text: string;
  vector: string;
  dim: number;
  metric: Metric;
  dynamic: boolean;
}

export interface FieldNames {
  /** The string field that holds `Document.pageContent`. Default 'text'. */
  textField?: string;
  /** The vector field to write and search. Default: the collection's only vector field. */
  vectorField?: string;
}

/** Reads the layout from the collection's schema; fails with FIELD_NOT_FOUND or INVALID_ARGUMENT when it does not fit. */
export function resolveLayout(collection: Collection, names: FieldNames = {}): FieldLayout {
  const d = collection.describe();
  const fields: FieldSchema[] = d.fields;
  const primary = fields.find((f) => 'primary' in f && f.primary === true);
  const vectors = fields.filter((f) => f.type === 'vector');
  let vector = vectors[0];
  if (names.vectorField !== undefined) {
    vector = vectors.find((f) => f.name === names.vectorField);
    if (!vector) {
      throw new QuiverError('FIELD_NOT_FOUND', `"${names.vectorField}" is not a vector field of "${d.name}"`, {
        field: names.vectorField,
      });
    }
  } else if (vectors.length > 1) {
    throw new QuiverError('INVALID_ARGUMENT', `"${d.name}" has several vector fields; name one with vectorField`);
  }
  const textName = names.textField ?? 'text';
  const text = fields.find((f) => f.name === textName);
  if (!text) throw new QuiverError('FIELD_NOT_FOUND', `"${d.name}" has no field "${textName}"`, { field: textName });
  if (text.type !== 'string') {
    throw new QuiverError('INVALID_ARGUMENT', `textField "${textName}" must be a string field, not ${text.type}`, {
      field: textName,
    });
  }
  if (!primary || !('primary' in primary) || !vector || vector.type !== 'vector') {
    throw new QuiverError('INTERNAL', `"${d.name}" has a schema without a primary key or vector field`);
  }
  return {
    primary: primary.name,
    primaryType: primary.type,
    autoId: primary.autoId === true,
    text: textName,
    vector: vector.name,
    dim: vector.dim,
    metric: vector.metric,
    dynamic: d.dynamic,
  };
}

/** A LangChain id as a key of this collection: int keys are written as decimal strings. */
export function toKey(layout: FieldLayout, id: string | number): PrimaryKey {
  if (layout.primaryType === 'string') {
    if (typeof id !== 'string') throw new QuiverError('INVALID_ARGUMENT', `ids must be strings; got ${String(id)}`);
    return id;
  }
  const n = typeof id === 'number' ? id : /^-?\d+$/.test(id) ? Number(id) : Number.NaN;
  if (!Number.isSafeInteger(n)) {
    throw new QuiverError(
      'INVALID_ARGUMENT',
      `"${layout.primary}" holds integer keys; ${JSON.stringify(id)} is not one`,
      {
        field: layout.primary,
        received: id,
      },
    );
  }
  return n;
}

/** One Document as a row: metadata keys become fields (declared or dynamic), so filters can name them. */
export function documentRow(
  layout: FieldLayout,
  doc: { pageContent: string; metadata?: Record<string, unknown> },
  vector: ArrayLike<number>,
  key: PrimaryKey | undefined,
): Row {
  const row: Row = {};
  for (const [name, value] of Object.entries(doc.metadata ?? {})) {
    if (name === layout.primary || name === layout.text || name === layout.vector || name === DYNAMIC_FIELD) {
      // Silently dropping or overwriting either value would lose data the caller meant to keep.
      throw new QuiverError(
        'INVALID_ARGUMENT',
        `metadata key "${name}" collides with the collection's ${name === DYNAMIC_FIELD ? 'dynamic column' : 'own field'}; rename it`,
        { field: name },
      );
    }
    row[name] = value;
  }
  if (key !== undefined) row[layout.primary] = key;
  row[layout.text] = doc.pageContent;
  row[layout.vector] = vector;
  return row;
}

/** A search or query hit as a Document: the text field becomes pageContent, every other returned field metadata. */
export function hitDocument(layout: FieldLayout, id: PrimaryKey, fields: Row): Document {
  const { [layout.text]: text, [layout.vector]: _vector, ...metadata } = fields;
  return new Document({ id: String(id), pageContent: typeof text === 'string' ? text : '', metadata });
}

/**
 * Quiver's hit score as a similarity, higher is better: cosine and inner product as they are; l2 (a squared
 * distance, lower is better) as 1 / (1 + distance), which keeps the order and lies in (0, 1].
 */
export function similarity(metric: Metric, score: number): number {
  return metric === 'l2' ? 1 / (1 + score) : score;
}

export function filterParts(filter: QuiverFilter | undefined): { filter?: string; params?: Record<string, unknown> } {
  if (filter === undefined || filter === null) return {};
  if (typeof filter === 'string') return { filter };
  if (typeof filter === 'object' && typeof filter.expr === 'string') {
    return filter.params === undefined ? { filter: filter.expr } : { filter: filter.expr, params: filter.params };
  }
  throw new QuiverError('INVALID_ARGUMENT', 'a filter is a Quiver filter expression or { expr, params }', {
    field: 'filter',
  });
}
