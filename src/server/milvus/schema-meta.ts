/**
 * A collection as the Milvus API sees it: every field with its Milvus data type, in declaration order. Quiver's
 * types are coarser (one `int` for Int8..Int64, one `float` for Float and Double, `json` for arrays of numbers
 * or booleans), so a collection created through this API keeps what the client declared (Milvus type, element
 * type, array capacity, default value, field description, index name) in one collection property,
 * `milvus.schema`. A collection created through Quiver's own API has none, and its types are inferred.
 */

import type { Collection } from '../../store/collection/collection.js';
import type { Quiver } from '../../store/quiver.js';
import type { FieldSchema, Metric } from '../../store/schema/types.js';
import { MilvusCode, MilvusError } from './responses.js';

/** The collection property that holds the Milvus view of the fields. */
export const MILVUS_PROPERTY = 'milvus.schema';

/** Quiver caps a property value at this many characters. */
const MAX_PROPERTY = 4096;

/** One field as the client declared it, as stored in the property (short keys: the property is capped). */
export interface StoredField {
  name: string;
  type: string;
  element?: string;
  capacity?: number;
  default?: unknown;
  description?: string;
  index?: string;
}

export interface FieldView {
  name: string;
  /** Milvus data type: Int64, VarChar, FloatVector, ... */
  dataType: string;
  /** For Array fields: the element type. */
  elementType?: string;
  /** The Quiver field underneath. */
  quiver: FieldSchema;
  primary: boolean;
  autoId: boolean;
  partitionKey: boolean;
  nullable: boolean;
  description: string;
  defaultValue?: unknown;
  /** Arrays of non-VarChar elements (stored as json): the most elements accepted. */
  maxCapacity?: number;
  /** Vector fields: the index name and metric. */
  indexName?: string;
  metric?: Metric;
}

export interface CollectionView {
  collection: Collection;
  name: string;
  fields: FieldView[];
  byName: Map<string, FieldView>;
  primary: FieldView;
  vectors: FieldView[];
  dynamic: boolean;
  description: string;
  /** Collection properties, the Milvus view excluded. */
  properties: Record<string, string>;
  partitions: string[];
  createdAt: string;
}

/** Inclusive bounds of the narrow integer types; Quiver's `int` holds Int64 (as a safe integer). */
export const INT_BOUNDS: Record<string, readonly [number, number]> = {
  Int8: [-128, 127],
  Int16: [-32_768, 32_767],
  Int32: [-2_147_483_648, 2_147_483_647],
  Int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** The Milvus type a Quiver field reads as when nothing else is known. */
function inferredType(f: FieldSchema): { dataType: string; elementType?: string } {
  switch (f.type) {
    case 'int':
      return { dataType: 'Int64' };
    case 'float':
      return { dataType: 'Double' };
    case 'bool':
      return { dataType: 'Bool' };
    case 'string':
      return { dataType: 'VarChar' };
    case 'json':
      return { dataType: 'JSON' };
    case 'string[]':
      return { dataType: 'Array', elementType: 'VarChar' };
    case 'vector':
      return { dataType: 'FloatVector' };
  }
}

/** Which Milvus types a Quiver type can stand for (a stored type that does not fit is ignored). */
const FITS: Record<string, readonly string[]> = {
  int: ['Int8', 'Int16', 'Int32', 'Int64'],
  float: ['Float', 'Double'],
  bool: ['Bool'],
  string: ['VarChar'],
  json: ['JSON', 'Array'],
  'string[]': ['Array'],
  vector: ['FloatVector'],
};

/** The property value for `fields`; descriptions are dropped first if it would not fit. */
export function encodeStoredFields(fields: StoredField[]): string {
  const full = JSON.stringify({ fields });
  if (full.length <= MAX_PROPERTY) return full;
  const lean = JSON.stringify({ fields: fields.map(({ description: _, ...f }) => f) });
  if (lean.length <= MAX_PROPERTY) return lean;
  throw new MilvusError(
    MilvusCode.PARAMETER_TOO_LARGE,
    `parameter too large: Quiver keeps this schema's Milvus field types in a collection property of at most ` +
      `${MAX_PROPERTY} characters, and they need ${lean.length}`,
  );
}

function decodeStoredFields(value: string | undefined): StoredField[] {
  if (value === undefined) return [];
  try {
    const parsed = JSON.parse(value) as { fields?: unknown };
    return Array.isArray(parsed.fields) ? (parsed.fields as StoredField[]) : [];
  } catch {
    return [];
  }
}

/** The Milvus view of an open collection. */
export function viewOf(collection: Collection): CollectionView {
  const d = collection.describe();
  const stored = decodeStoredFields(d.properties?.[MILVUS_PROPERTY]);
  const storedByName = new Map(stored.map((s) => [s.name, s]));
  const views = new Map<string, FieldView>();
  for (const f of d.fields) {
    const s = storedByName.get(f.name);
    const inferred = inferredType(f);
    const fits = s !== undefined && FITS[f.type]?.includes(s.type) === true;
    const primary = 'primary' in f && f.primary === true;
    const view: FieldView = {
      name: f.name,
      dataType: fits ? s.type : inferred.dataType,
      quiver: f,
      primary,
      autoId: primary && f.autoId === true,
      partitionKey: 'partitionKey' in f && f.partitionKey === true,
      nullable: 'nullable' in f && f.nullable === true,
      description: (fits && s.description) || '',
    };
    const elementType = fits && s.type === 'Array' ? s.element : inferred.elementType;
    if (view.dataType === 'Array' && elementType) view.elementType = elementType;
    if (fits && s.default !== undefined) view.defaultValue = s.default;
    if (fits && f.type === 'json' && s.type === 'Array' && s.capacity !== undefined) view.maxCapacity = s.capacity;
    if (f.type === 'vector') {
      view.indexName = (fits && s.index) || f.name;
      view.metric = f.metric;
    }
    views.set(f.name, view);
  }
  // Declaration order where it is known; anything else after, in Quiver's order.
  const ordered = [
    ...stored.map((s) => views.get(s.name)).filter((v): v is FieldView => v !== undefined),
    ...[...views.values()].filter((v) => !storedByName.has(v.name)),
  ];
  const { [MILVUS_PROPERTY]: _, ...properties } = d.properties ?? {};
  return {
    collection,
    name: d.name,
    fields: ordered,
    byName: views,
    primary: ordered.find((v) => v.primary)!,
    vectors: ordered.filter((v) => v.quiver.type === 'vector'),
    dynamic: d.dynamic === true,
    description: d.description ?? '',
    properties,
    partitions: d.partitions,
    createdAt: String(d.createdAt ?? ''),
  };
}

/** The Milvus view of the named collection (COLLECTION_NOT_FOUND when there is none). */
export async function openView(db: Quiver, name: string): Promise<CollectionView> {
  return viewOf(await db.collection(name));
}
