/**
 * Milvus REST v2 entity operations on Quiver: insert, upsert, delete (by filter, or by ids), get, query (with
 * `count(*)`), search (several query vectors in one request, with `topks`) and hybrid_search (RRF or weighted
 * rerank). Hits come back as Milvus shapes them: the primary key under its field name, `distance`, then the
 * output fields, flattened (a row's dynamic fields appear as top-level keys).
 */

import { QuiverError } from '../../errors.js';
import type { Collection } from '../../store/collection/collection.js';
import type { FusionSpec } from '../../store/fusion/types.js';
import type { Quiver } from '../../store/quiver.js';
import { toJson } from '../json-rows.js';
import { unsupported } from './envelope.js';

type Body = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.map((x) => String(x)) : typeof v === 'string' ? [v] : undefined;
const int = (v: unknown, fallback: number): number => (v === undefined || v === null ? fallback : Number(v));

function collectionName(body: Body): string {
  const name = str(body.collectionName);
  if (!name) throw unsupportedArgument('collectionName is required');
  return name;
}

function unsupportedArgument(message: string): QuiverError {
  return new QuiverError('INVALID_ARGUMENT', message);
}

async function open(db: Quiver, body: Body): Promise<Collection> {
  return db.collection(collectionName(body));
}

/** Output fields as Quiver takes them: `*` means every field; the primary key is always returned anyway. */
function outputFields(collection: Collection, value: unknown): string[] | undefined {
  const fields = strings(value);
  if (!fields || fields.length === 0) return undefined;
  if (fields.includes('*')) {
    return collection
      .describe()
      .fields.filter((f) => !('primary' in f))
      .map((f) => f.name);
  }
  const primary = primaryName(collection);
  return fields.filter((f) => f !== primary);
}

function primaryName(collection: Collection): string {
  return collection.describe().fields.find((f) => 'primary' in f)!.name;
}

function vectorField(collection: Collection, given: unknown): string {
  const name = str(given);
  if (name) return name;
  const vectors = collection.describe().fields.filter((f) => f.type === 'vector');
  if (vectors.length === 1) return vectors[0]!.name;
  throw unsupportedArgument('annsField is required when the collection has several vector fields');
}

/** A row or hit flattened as Milvus returns it: key, then fields, with dynamic fields lifted to the top level. */
function flatten(primary: string, id: unknown, fields: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const out: Record<string, unknown> = { [primary]: id, ...extra };
  for (const [k, v] of Object.entries(fields)) {
    if (k === '$meta' && v && typeof v === 'object') Object.assign(out, v);
    else if (k !== primary) out[k] = v;
  }
  return toJson(out);
}

function searchParams(body: Body): { ef?: number; radius?: number; rangeFilter?: number } {
  const sp = (body.searchParams ?? {}) as { params?: Record<string, unknown> } & Record<string, unknown>;
  const p = { ...(sp.params ?? {}), ...(body.params as Record<string, unknown> | undefined) };
  const out: { ef?: number; radius?: number; rangeFilter?: number } = {};
  if (p.ef !== undefined) out.ef = Number(p.ef);
  if (p.radius !== undefined) out.radius = Number(p.radius);
  if (p.range_filter !== undefined) out.rangeFilter = Number(p.range_filter);
  return out;
}

function fusionOf(rerank: unknown, lists: number): FusionSpec {
  const r = (rerank ?? { strategy: 'rrf' }) as { strategy?: string; params?: { k?: number; weights?: number[] } };
  const strategy = (r.strategy ?? 'rrf').toLowerCase();
  if (strategy === 'rrf') return { method: 'rrf', k: r.params?.k ?? 60 };
  if (strategy === 'weighted') {
    const weights = r.params?.weights ?? Array.from({ length: lists }, () => 1);
    return { method: 'weighted', weights, normalize: 'minmax' };
  }
  throw unsupported(`rerank strategy ${r.strategy}`);
}

export const entityOps: Record<string, (db: Quiver, body: Body) => Promise<{ data: unknown; extra?: Body }>> = {
  async insert(db, body) {
    const collection = await open(db, body);
    const rows = Array.isArray(body.data)
      ? (body.data as Record<string, unknown>[])
      : [body.data as Record<string, unknown>];
    const result = await collection.insert(rows, { partition: str(body.partitionName) });
    return { data: { insertCount: result.count, insertIds: result.ids } };
  },
  async upsert(db, body) {
    const collection = await open(db, body);
    const rows = Array.isArray(body.data)
      ? (body.data as Record<string, unknown>[])
      : [body.data as Record<string, unknown>];
    const result = await collection.upsert(rows, { partition: str(body.partitionName) });
    return { data: { upsertCount: result.count, upsertIds: result.ids } };
  },
  async delete(db, body) {
    const collection = await open(db, body);
    const partition = str(body.partitionName);
    const ids = body.id ?? body.ids;
    const filter = str(body.filter);
    if (ids === undefined && filter === undefined) throw unsupportedArgument('delete needs "filter" (or "id")');
    const result = await collection.delete({
      ...(ids !== undefined ? { ids: (Array.isArray(ids) ? ids : [ids]) as (string | number)[] } : {}),
      ...(filter !== undefined ? { filter } : {}),
      ...(partition ? { partitions: [partition] } : {}),
    });
    return { data: { deleteCount: result.deleted } };
  },
  async get(db, body) {
    const collection = await open(db, body);
    const ids = (Array.isArray(body.id) ? body.id : [body.id]) as (string | number)[];
    if (body.id === undefined) throw unsupportedArgument('get needs "id"');
    const primary = primaryName(collection);
    const rows = await collection.get(ids, { outputFields: outputFields(collection, body.outputFields) ?? [] });
    return { data: rows.map((r) => flatten(primary, r[primary], r)) };
  },
  async query(db, body) {
    const collection = await open(db, body);
    const filter = str(body.filter);
    const partitions = strings(body.partitionNames);
    const fields = strings(body.outputFields) ?? [];
    if (fields.includes('count(*)')) {
      return { data: [{ 'count(*)': await collection.count({ filter, partitions }) }] };
    }
    const primary = primaryName(collection);
    const rows = await collection.query({
      filter,
      partitions,
      outputFields: outputFields(collection, fields) ?? [],
      limit: int(body.limit, 100),
      offset: int(body.offset, 0),
    });
    return { data: rows.map((r) => flatten(primary, r[primary], r)) };
  },
  async search(db, body) {
    const collection = await open(db, body);
    const vectors = body.data as number[][];
    if (!Array.isArray(vectors) || vectors.length === 0)
      throw unsupportedArgument('search needs "data": [vector, ...]');
    const primary = primaryName(collection);
    const options = {
      field: vectorField(collection, body.annsField),
      k: int(body.limit, 100),
      offset: int(body.offset, 0),
      filter: str(body.filter),
      partitions: strings(body.partitionNames),
      outputFields: outputFields(collection, body.outputFields) ?? [],
      ...searchParams(body),
    };
    const results = await collection.searchBatch({ ...options, vectors });
    const topks = results.map((r) => r.hits.length);
    const data = results.flatMap((r) => r.hits.map((h) => flatten(primary, h.id, h.fields, { distance: h.score })));
    return { data, extra: { topks } };
  },
  async hybrid_search(db, body) {
    const collection = await open(db, body);
    const subs = body.search as Body[];
    if (!Array.isArray(subs) || subs.length === 0) throw unsupportedArgument('hybrid_search needs "search": [...]');
    const filters = new Set(subs.map((s) => str(s.filter)));
    if (filters.size > 1) throw unsupported('different filters per sub-search (give them all the same filter)');
    const requests = subs.map((s) => {
      const data = s.data as number[][];
      if (!Array.isArray(data) || data.length !== 1) {
        throw unsupportedArgument('each hybrid_search sub-search takes exactly one query vector in "data"');
      }
      return { vector: data[0]!, field: vectorField(collection, s.annsField), ...searchParams(s) };
    });
    const primary = primaryName(collection);
    const limit = int(body.limit, 100);
    const result = await collection.hybridSearch({
      requests: requests.map(({ vector, field, ef }) => ({ vector, field, ...(ef ? { ef } : {}) })),
      k: limit,
      limit: Math.max(limit, ...subs.map((s) => int(s.limit, limit))),
      fusion: fusionOf(body.rerank, requests.length),
      filter: [...filters][0],
      partitions: strings(body.partitionNames),
      outputFields: outputFields(collection, body.outputFields) ?? [],
    });
    return {
      data: result.hits.map((h) => flatten(primary, h.id, h.fields, { distance: h.score })),
      extra: { topks: [result.hits.length] },
    };
  },
};

export const ENTITY_WRITES = new Set(['insert', 'upsert', 'delete']);
