/**
 * Checks a collection schema and fills in its defaults, once, at create time. Everything downstream may
 * assume a ResolvedSchema: exactly one primary key, at least one vector field, legal names, known types,
 * index parameters present.
 */

import { QuiverError } from '../../errors.js';
import { type ResolvedTextField, resolveFullText } from './full-text.js';
import type {
  CollectionSchema,
  FieldSchema,
  HnswParams,
  IndexParams,
  IvfParams,
  PrimaryFieldSchema,
  ScalarFieldSchema,
  VectorFieldSchema,
} from './types.js';

export interface ResolvedVectorField extends VectorFieldSchema {
  index: Required<HnswParams> | { type: 'FLAT' } | ResolvedIvfParams | ResolvedAutoIndex;
}

export interface ResolvedAutoIndex {
  type: 'AUTOINDEX';
  maxIndexBytesPerRow?: number;
  /** What HNSW segments are built with. */
  hnsw: Required<HnswParams>;
}

/** IVF settings; sizes left open are chosen per segment when it is built (see ivf-build.ts). */
export interface ResolvedIvfParams {
  type: 'IVF_FLAT' | 'IVF_SQ8' | 'IVF_PQ';
  nlist?: number;
  nprobe?: number;
  m?: number;
  rerank: number;
}

export interface ResolvedSchema {
  fields: FieldSchema[];
  dynamic: boolean;
  description: string;
  properties: Record<string, string>;
  primary: Required<Omit<PrimaryFieldSchema, 'autoId'>> & { autoId: boolean };
  vectors: ResolvedVectorField[];
  scalars: ScalarFieldSchema[];
  /** String fields with a full-text (BM25) index. */
  texts: ResolvedTextField[];
  partitionKey: string | undefined;
}

export const MAX_DIM = 32_768;
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;
const SCALAR_TYPES = new Set(['bool', 'int', 'float', 'string', 'string[]', 'json']);
const METRICS = new Set(['cosine', 'ip', 'l2']);

function fail(message: string, field?: string): never {
  throw new QuiverError('SCHEMA_INVALID', message, field === undefined ? {} : { field });
}

function resolveIndex(field: VectorFieldSchema): ResolvedVectorField['index'] {
  const index: IndexParams = field.index ?? { type: 'AUTOINDEX' };
  if (index.type === 'FLAT') return { type: 'FLAT' };
  if (index.type === 'IVF_FLAT' || index.type === 'IVF_SQ8' || index.type === 'IVF_PQ') return resolveIvf(field, index);
  if (index.type === 'AUTOINDEX') {
    for (const key of Object.keys(index)) {
      if (key !== 'type' && key !== 'maxIndexBytesPerRow')
        fail(`field "${field.name}": AUTOINDEX has no parameter "${key}"`, field.name);
    }
    const max = index.maxIndexBytesPerRow;
    if (max !== undefined && !(typeof max === 'number' && Number.isFinite(max) && max > 0)) {
      fail(`field "${field.name}": maxIndexBytesPerRow must be a positive number`, field.name);
    }
    return {
      type: 'AUTOINDEX',
      ...(max === undefined ? {} : { maxIndexBytesPerRow: max }),
      hnsw: { type: 'HNSW', M: 16, efConstruction: 200, ef: 64 },
    };
  }
  if (index.type !== 'HNSW') fail(`field "${field.name}": unknown index type "${(index as { type: string }).type}"`);
  const resolved = {
    type: 'HNSW' as const,
    M: index.M ?? 16,
    efConstruction: index.efConstruction ?? 200,
    ef: index.ef ?? 64,
  };
  const intIn = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;
  if (!intIn(resolved.M, 2, 512)) fail(`field "${field.name}": HNSW M must be an integer in [2, 512]`, field.name);
  if (!intIn(resolved.efConstruction, 8, 10_000)) fail(`field "${field.name}": efConstruction must be in [8, 10000]`);
  if (!intIn(resolved.ef, 1, 32_768)) fail(`field "${field.name}": ef must be an integer in [1, 32768]`, field.name);
  return resolved;
}

function resolveIvf(field: VectorFieldSchema, index: IvfParams): ResolvedIvfParams {
  const known = new Set(['type', 'nlist', 'nprobe', 'm', 'rerank']);
  for (const key of Object.keys(index)) {
    if (!known.has(key)) fail(`field "${field.name}": ${index.type} has no parameter "${key}"`, field.name);
  }
  const intIn = (name: string, v: number | undefined, lo: number, hi: number) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= lo && v <= hi)) {
      fail(`field "${field.name}": ${index.type} ${name} must be an integer in [${lo}, ${hi}]`, field.name);
    }
  };
  intIn('nlist', index.nlist, 1, 65_536);
  intIn('nprobe', index.nprobe, 1, 65_536);
  intIn('rerank', index.rerank, 1, 64);
  if (index.m !== undefined) {
    if (index.type !== 'IVF_PQ') fail(`field "${field.name}": m applies to IVF_PQ only`, field.name);
    intIn('m', index.m, 1, field.dim);
    if (field.dim % index.m !== 0)
      fail(`field "${field.name}": IVF_PQ m (${index.m}) must divide dim (${field.dim})`, field.name);
  }
  if (index.rerank !== undefined && index.type === 'IVF_FLAT') {
    fail(
      `field "${field.name}": IVF_FLAT compares full vectors already; rerank applies to IVF_SQ8 and IVF_PQ`,
      field.name,
    );
  }
  return {
    type: index.type,
    nlist: index.nlist,
    nprobe: index.nprobe,
    m: index.m,
    rerank: index.type === 'IVF_FLAT' ? 1 : (index.rerank ?? 4),
  };
}

function resolveProperties(properties: unknown): Record<string, string> {
  if (properties === undefined) return {};
  if (properties === null || typeof properties !== 'object' || Array.isArray(properties)) {
    fail('properties must be an object of string values');
  }
  const entries = Object.entries(properties as Record<string, unknown>);
  if (entries.length > 64) fail('properties holds at most 64 keys');
  for (const [key, value] of entries) {
    if (typeof value !== 'string' || value.length > 4096) {
      fail(`property "${key}" must be a string of at most 4096 characters`);
    }
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

/** Validates `schema` and returns it with defaults filled in. Throws SCHEMA_INVALID. */
export function resolveSchema(schema: CollectionSchema): ResolvedSchema {
  if (schema === null || typeof schema !== 'object' || !Array.isArray(schema.fields)) {
    fail('schema must be an object with a "fields" array');
  }
  const seen = new Set<string>();
  let primary: ResolvedSchema['primary'] | undefined;
  const vectors: ResolvedVectorField[] = [];
  const scalars: ScalarFieldSchema[] = [];
  const texts: ResolvedTextField[] = [];
  let partitionKey: string | undefined;
  for (const raw of schema.fields) {
    const f = raw as FieldSchema & Record<string, unknown>;
    if (f === null || typeof f !== 'object') fail('every field must be an object');
    if (typeof f.name !== 'string' || !NAME.test(f.name)) {
      fail(`field name ${JSON.stringify(f.name)} must match ${NAME.source}`);
    }
    if (seen.has(f.name)) fail(`field "${f.name}" is declared twice`, f.name);
    seen.add(f.name);
    if ('primary' in f && f.primary === true) {
      if (primary) fail(`a collection has exactly one primary key; "${primary.name}" and "${f.name}" both claim it`);
      if (f.type !== 'string' && f.type !== 'int')
        fail(`primary key "${f.name}" must be of type string or int`, f.name);
      resolveFullText(f); // a key field cannot be full-text indexed: this throws when one asks
      const autoId = f.autoId === true;
      if (autoId && f.type !== 'int') fail(`autoId needs an int primary key ("${f.name}" is a string)`, f.name);
      primary = { name: f.name, type: f.type, primary: true, autoId, maxLength: f.maxLength ?? 65_535 };
    } else if (f.type === 'vector') {
      const v = f as VectorFieldSchema;
      if (!Number.isInteger(v.dim) || v.dim < 1 || v.dim > MAX_DIM) {
        fail(`vector field "${v.name}": dim must be an integer in [1, ${MAX_DIM}]`, v.name);
      }
      if (!METRICS.has(v.metric)) fail(`vector field "${v.name}": metric must be cosine, ip or l2`, v.name);
      vectors.push({ name: v.name, type: 'vector', dim: v.dim, metric: v.metric, index: resolveIndex(v) });
    } else {
      if (!SCALAR_TYPES.has(f.type as string))
        fail(`field "${f.name}": unknown type ${JSON.stringify(f.type)}`, f.name);
      const s = f as ScalarFieldSchema;
      if (s.partitionKey) {
        if (partitionKey) fail('at most one field may be the partition key');
        if (s.type !== 'string' && s.type !== 'int') fail(`partition key "${s.name}" must be string or int`, s.name);
        if (s.nullable) fail(`partition key "${s.name}" cannot be nullable`, s.name);
        partitionKey = s.name;
      }
      scalars.push({
        name: s.name,
        type: s.type,
        nullable: s.nullable === true,
        maxLength: s.maxLength ?? 65_535,
        maxCapacity: s.maxCapacity ?? 4096,
        partitionKey: s.partitionKey === true,
        ...(s.fullText !== undefined ? { fullText: s.fullText } : {}),
      });
      const text = resolveFullText(s);
      if (text) texts.push(text);
    }
  }
  if (!primary) fail('a collection needs a primary key field ({ name, type: "string" | "int", primary: true })');
  if (vectors.length === 0)
    fail('a collection needs at least one vector field ({ name, type: "vector", dim, metric })');
  return {
    fields: [primary, ...vectors, ...scalars],
    dynamic: schema.dynamic === true,
    description: typeof schema.description === 'string' ? schema.description : '',
    properties: resolveProperties(schema.properties),
    primary,
    vectors,
    scalars,
    texts,
    partitionKey,
  };
}
