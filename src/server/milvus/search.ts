/**
 * Milvus REST v2 `entities/search` on Quiver: one or more query vectors (`data`) against one vector field
 * (`annsField`, optional when there is one), with `filter` (+ `exprParams`), `limit` (default 100), `offset`,
 * `outputFields`, `partitionNames` and `searchParams` `{ metricType, params: { ef, radius, range_filter } }`.
 * All query vectors are searched against one state of the collection. Hits come back flat, query after query,
 * with `topks` giving how many belong to each; every hit carries `id` (the key, under Milvus's fixed name), the
 * key again under the primary field's own name, `distance` (the metric's score, as Quiver's search reports it:
 * cosine similarity or inner product, higher is closer; squared euclidean distance for L2, lower is closer), and
 * the output fields, dynamic keys at the top level.
 */

import type { PrimaryKey } from '../../store/schema/batch.js';
import type { Row } from '../../store/schema/types.js';
import { applyDrop, type Projection, projection } from './output-fields.js';
import { invalid, MilvusCode, MilvusError, unsupported } from './responses.js';
import { float32, keyOut, type RowOut, rowWriter } from './rows.js';
import { fromMetric, toMetric } from './schema-map.js';
import { type CollectionView, type FieldView, openView } from './schema-meta.js';
import type { MilvusOp, MilvusRoute } from './types.js';
import { checkConsistency, nonEmpty, parseBody, searchBody } from './validate.js';

/** The vector field a search names, or the only one. */
export function vectorField(view: CollectionView, annsField: string | undefined): FieldView {
  if (annsField) {
    const field = view.vectors.find((v) => v.name === annsField);
    if (!field) throw invalid(`cannot find a vector field named: ${annsField}`);
    return field;
  }
  if (view.vectors.length > 1) {
    throw invalid(
      `search without annsField, but already found multiple vector fields: [${view.vectors.map((v) => v.name).join(', ')}]`,
    );
  }
  return view.vectors[0]!;
}

/** A search's metricType must be the field's own (Quiver, like Milvus, searches with the index's metric). */
export function checkMetric(field: FieldView, metricType: unknown): void {
  if (metricType === undefined || metricType === null || metricType === '') return;
  if (toMetric(String(metricType)) !== field.metric) {
    throw invalid(`metric type not match: expected=${fromMetric(field.metric!)}, actual=${String(metricType)}`);
  }
}

export interface SearchKnobs {
  ef?: number;
  nprobe?: number;
  radius?: number;
  rangeFilter?: number;
}

function knob(sources: (Record<string, unknown> | undefined)[], key: string): number | undefined {
  for (const source of sources) {
    const raw = source?.[key];
    if (raw === undefined || raw === null || typeof raw === 'object') continue;
    const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    if (typeof n !== 'number' || !Number.isFinite(n)) throw invalid(`search param ${key} must be a number`);
    return n;
  }
  return undefined;
}

/** `ef`, `nprobe`, `radius` and `range_filter` from wherever a client put them (other index params are ignored). */
export function searchKnobs(...sources: (Record<string, unknown> | undefined)[]): SearchKnobs {
  const out: SearchKnobs = {};
  const ef = knob(sources, 'ef');
  const nprobe = knob(sources, 'nprobe');
  if (nprobe !== undefined) out.nprobe = nprobe;
  const radius = knob(sources, 'radius');
  const rangeFilter = knob(sources, 'range_filter');
  if (ef !== undefined) out.ef = ef;
  if (radius !== undefined) out.radius = radius;
  if (rangeFilter !== undefined) out.rangeFilter = rangeFilter;
  return out;
}

/** Query vectors: arrays of numbers (the store checks their dimension and values). */
export function queryVectors(data: unknown[], where = 'data'): number[][] {
  if (data.length === 0) {
    throw new MilvusError(
      MilvusCode.MISSING_REQUIRED_PARAMETERS,
      `missing required parameters, error: ${where} is empty`,
    );
  }
  return data.map((v, i) => {
    if (typeof v === 'string') {
      throw unsupported('searching by text (a BM25 function field)', 'send query vectors');
    }
    if (!Array.isArray(v)) {
      throw new MilvusError(
        MilvusCode.INCORRECT_PARAMETER_FORMAT,
        `can only accept json format request, error: ${where}[${i}] must be an array of numbers (a FloatVector)`,
      );
    }
    return v as number[];
  });
}

/** Writes hits: output fields, the key under its own name and as `id`, and `distance`. */
export function hitWriter(view: CollectionView, p: Projection, int64AsString: boolean) {
  const out: RowOut = rowWriter(view, int64AsString);
  const pk = view.primary.name;
  return (id: PrimaryKey, fields: Row, score: number) =>
    out(applyDrop({ ...fields, [pk]: id }, p.drop), {
      id: keyOut(view, id, int64AsString),
      distance: float32(score),
    });
}

const search: MilvusOp = async ({ db, body, int64AsString }) => {
  const req = parseBody(searchBody, body);
  if (req.groupingField) throw unsupported('groupingField (grouping search)');
  checkConsistency(req.consistencyLevel);
  const view = await openView(db, req.collectionName);
  const field = vectorField(view, req.annsField);
  checkMetric(field, req.searchParams?.metricType);
  const vectors = queryVectors(req.data);
  const p = projection(view, req.outputFields, 'none');
  const results = await view.collection.searchBatch({
    vectors,
    field: field.name,
    k: req.limit ?? 100,
    offset: req.offset ?? 0,
    filter: req.filter || undefined,
    params: req.exprParams,
    partitions: nonEmpty(req.partitionNames),
    outputFields: p.fields,
    ...searchKnobs(req.params, req.searchParams, req.searchParams?.params),
  });
  const hit = hitWriter(view, p, int64AsString);
  return {
    data: results.flatMap((r) => r.hits.map((h) => hit(h.id, h.fields, h.score))),
    extra: { cost: 0, topks: results.map((r) => r.hits.length) },
  };
};

export const searchRoutes: MilvusRoute[] = [
  {
    path: 'entities/search',
    scope: 'read',
    op: search,
    body: searchBody,
    summary: 'Milvus: vector search with a filter',
  },
];
