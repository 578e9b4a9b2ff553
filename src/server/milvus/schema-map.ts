/**
 * Milvus collection schemas ↔ Quiver schemas. A create request, in either of Milvus's forms (quick setup:
 * `dimension`, `metricType`, `idType`, `autoID`, `primaryFieldName`, `vectorFieldName`; or a full `schema` with
 * `fields` and `indexParams`), becomes a Quiver schema; a Quiver collection becomes Milvus's describe answer.
 *
 * Data types:
 *   Int64 / VarChar primary key  → int / string primary key (autoID: Int64 only)
 *   Int8, Int16, Int32, Int64    → int (the narrow types are range-checked on write; Int64 is a safe integer)
 *   Float, Double                → float
 *   Bool, VarChar, JSON          → bool, string (enable_match → full-text indexed), json
 *   Array of VarChar             → string[] (indexed for array_contains*)
 *   Array of Bool, Int8..Int64, Float or Double → json (element type and max_capacity checked on write; no scalar index)
 *   FloatVector                  → vector (metric COSINE | IP | L2; index AUTOINDEX, HNSW, FLAT,
 *                                  IVF_FLAT / IVF_SQ8 / IVF_PQ with nlist and m; nprobe per search)
 *   isPartitionKey               → partitionKey; nullable → nullable; defaultValue → filled in on write
 * Not supported, refused with Milvus's 3000 ("unsupported operation") and the feature named: BinaryVector,
 * Float16Vector, BFloat16Vector, Int8Vector, SparseFloatVector, nullable vectors, schema functions (BM25, text
 * embedding), other index types (DISKANN, SCANN, ...), other metrics, autoID on a VarChar key.
 */

import type { z } from 'zod';
import type { CollectionSchema, FieldSchema, IndexParams, Metric } from '../../store/schema/types.js';
import { invalid, MilvusCode, MilvusError, unsupported } from './responses.js';
import { type CollectionView, encodeStoredFields, type FieldView, INT_BOUNDS, MILVUS_PROPERTY } from './schema-meta.js';
import type { createBody, fieldBody, indexParamBody } from './validate.js';

type CreateRequest = z.output<typeof createBody>;
type MilvusField = z.output<typeof fieldBody>;
type MilvusIndexParam = z.output<typeof indexParamBody>;

const UNSUPPORTED_VECTORS = new Set([
  'BinaryVector',
  'Float16Vector',
  'BFloat16Vector',
  'Int8Vector',
  'SparseFloatVector',
]);
const UNSUPPORTED_TYPES = new Set(['Geometry', 'Timestamptz', 'Text', 'Struct', 'ArrayOfVector', 'ArrayOfStruct']);
const SCALAR_TYPES = new Set(['Bool', 'Int8', 'Int16', 'Int32', 'Int64', 'Float', 'Double', 'VarChar', 'JSON']);
const ARRAY_ELEMENTS = new Set(['Bool', 'Int8', 'Int16', 'Int32', 'Int64', 'Float', 'Double', 'VarChar']);

export function toMetric(metricType: string | undefined): Metric {
  const m = (metricType || 'COSINE').toUpperCase();
  if (m === 'COSINE') return 'cosine';
  if (m === 'IP') return 'ip';
  if (m === 'L2') return 'l2';
  throw unsupported(`metricType ${metricType}`, 'use COSINE, IP or L2');
}

export function fromMetric(metric: Metric): string {
  return metric.toUpperCase();
}

/** A positive integer type param (`dim`, `max_length`, `max_capacity`), given as a number or a numeric string. */
function intParam(f: MilvusField, key: string, required: boolean): number | undefined {
  const raw = f.elementTypeParams?.[key];
  if (raw === undefined || raw === null || raw === '') {
    if (required) throw invalid(`type param(${key}) should be specified for the ${f.dataType} field "${f.fieldName}"`);
    return undefined;
  }
  const n = typeof raw === 'string' ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw invalid(
      `type param(${key}) of field "${f.fieldName}" must be a positive integer; got ${JSON.stringify(raw)}`,
    );
  }
  return n;
}

const truthy = (v: unknown) => v === true || v === 'true';

function vectorIndex(ip: MilvusIndexParam | undefined): { metric: Metric; index: IndexParams } {
  const metric = toMetric(ip?.metricType);
  const type = String(ip?.indexType || ip?.params?.index_type || 'AUTOINDEX').toUpperCase();
  if (type === 'FLAT') return { metric, index: { type: 'FLAT' } };
  if (type === 'AUTOINDEX') return { metric, index: { type: 'AUTOINDEX' } };
  if (type === 'IVF_FLAT' || type === 'IVF_SQ8' || type === 'IVF_PQ') {
    return { metric, index: { type, ...intParams(ip, ['nlist', 'm']) } };
  }
  if (type !== 'HNSW') {
    throw unsupported(`index type ${type}`, 'use AUTOINDEX, HNSW, FLAT, IVF_FLAT, IVF_SQ8 or IVF_PQ');
  }
  return { metric, index: { type: 'HNSW', ...intParams(ip, ['M', 'efConstruction']) } };
}

/** The named index params that are present, each checked to be a positive integer. */
function intParams<K extends string>(ip: MilvusIndexParam | undefined, keys: readonly K[]): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  for (const key of keys) {
    const raw = ip?.params?.[key];
    if (raw === undefined) continue;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw invalid(`index param ${key} must be a positive integer`);
    out[key] = n;
  }
  return out;
}

/** A default value checked against the field's Milvus type. */
function checkDefault(f: MilvusField): unknown {
  const v = f.defaultValue;
  const bad = () => invalid(`defaultValue ${JSON.stringify(v)} does not fit the ${f.dataType} field "${f.fieldName}"`);
  const bounds = INT_BOUNDS[f.dataType];
  if (bounds) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < bounds[0] || v > bounds[1]) throw bad();
  } else if (f.dataType === 'Float' || f.dataType === 'Double') {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw bad();
  } else if (f.dataType === 'Bool') {
    if (typeof v !== 'boolean') throw bad();
  } else if (f.dataType === 'VarChar') {
    if (typeof v !== 'string') throw bad();
  } else {
    throw invalid(`a ${f.dataType} field cannot have a defaultValue ("${f.fieldName}")`);
  }
  return v;
}

interface Mapped {
  field: FieldSchema;
  stored: { name: string; type: string; element?: string; capacity?: number; default?: unknown; index?: string };
}

function mapField(f: MilvusField, autoId: boolean, ip: MilvusIndexParam | undefined): Mapped {
  const name = f.fieldName;
  const t = f.dataType;
  if (UNSUPPORTED_VECTORS.has(t)) throw unsupported(`the ${t} data type`, 'Quiver stores FloatVector fields only');
  if (UNSUPPORTED_TYPES.has(t)) throw unsupported(`the ${t} data type`);
  if (t === 'String') throw invalid('string data type not supported yet, please use VarChar');
  if (!SCALAR_TYPES.has(t) && t !== 'Array' && t !== 'FloatVector') {
    throw invalid(`data type ${t} is invalid (case sensitive)`);
  }
  const stored: Mapped['stored'] = { name, type: t };
  if (f.isPrimary) {
    if (f.nullable) throw invalid(`primary field "${name}" cannot be nullable`);
    if (f.defaultValue !== undefined) throw invalid(`primary field "${name}" cannot have a defaultValue`);
    if (t === 'Int64') return { field: { name, type: 'int', primary: true, autoId }, stored };
    if (t === 'VarChar') {
      if (autoId) throw unsupported('autoID on a VarChar primary key', 'use an Int64 key for automatic ids');
      const maxLength = intParam(f, 'max_length', true);
      return { field: { name, type: 'string', primary: true, maxLength }, stored };
    }
    throw invalid(`the primary key must be Int64 or VarChar; "${name}" is ${t}`);
  }
  if (t === 'FloatVector') {
    if (f.nullable) throw unsupported('nullable vector fields');
    if (f.defaultValue !== undefined) throw invalid(`vector field "${name}" cannot have a defaultValue`);
    const dim = intParam(f, 'dim', true)!;
    const { metric, index } = vectorIndex(ip);
    return { field: { name, type: 'vector', dim, metric, index }, stored: { ...stored, index: ip?.indexName || name } };
  }
  const common = {
    ...(f.nullable ? { nullable: true } : {}),
    ...(f.isPartitionKey ? { partitionKey: true } : {}),
  };
  if (f.isPartitionKey && t !== 'Int64' && t !== 'VarChar') {
    throw invalid(`the partition key must be Int64 or VarChar; "${name}" is ${t}`);
  }
  if (f.defaultValue !== undefined && f.defaultValue !== null) stored.default = checkDefault(f);
  if (t in INT_BOUNDS) return { field: { name, type: 'int', ...common }, stored };
  if (t === 'Float' || t === 'Double') return { field: { name, type: 'float', ...common }, stored };
  if (t === 'Bool') return { field: { name, type: 'bool', ...common }, stored };
  if (t === 'JSON') return { field: { name, type: 'json', ...common }, stored };
  if (t === 'VarChar') {
    const maxLength = intParam(f, 'max_length', true);
    const fullText = truthy(f.elementTypeParams?.enable_match) ? { fullText: true } : {};
    return { field: { name, type: 'string', maxLength, ...fullText, ...common }, stored };
  }
  // Array.
  const element = f.elementDataType;
  if (!element) throw invalid(`elementDataType is required for the Array field "${name}"`);
  if (!ARRAY_ELEMENTS.has(element)) throw invalid(`element data type ${element} is invalid for an Array field`);
  const maxCapacity = intParam(f, 'max_capacity', true)!;
  stored.element = element;
  if (element === 'VarChar') {
    const maxLength = intParam(f, 'max_length', true);
    return { field: { name, type: 'string[]', maxLength, maxCapacity, ...common }, stored };
  }
  // Quiver has no typed numeric arrays: a json field, with the element type and capacity checked on write.
  stored.capacity = maxCapacity;
  return { field: { name, type: 'json', ...common }, stored };
}

/** The Milvus fields and index params of a quick-setup request, as a full schema would give them. */
function quickSetup(req: CreateRequest): { fields: MilvusField[]; indexParams: MilvusIndexParam[]; dynamic: boolean } {
  if (!req.dimension) {
    throw invalid('dimension is required for quickly create collection (default metric type: COSINE)');
  }
  const idType = req.idType || 'Int64';
  let idParams: Record<string, unknown> = {};
  if (idType === 'VarChar' || idType === 'Varchar') idParams = { max_length: req.params?.max_length };
  else if (idType !== 'Int64' && idType !== 'int64') {
    throw invalid(`idType can only be [Int64, VarChar], default: Int64; got ${idType}`);
  }
  const id = req.primaryFieldName || 'id';
  const vector = req.vectorFieldName || 'vector';
  const rawDynamic = req.params?.enableDynamicField;
  if (rawDynamic !== undefined && !['true', 'false', true, false].includes(rawDynamic as string | boolean)) {
    throw invalid(`params.enableDynamicField must be true or false; got ${JSON.stringify(rawDynamic)}`);
  }
  return {
    fields: [
      {
        fieldName: id,
        dataType: idType === 'Varchar' ? 'VarChar' : idType === 'int64' ? 'Int64' : idType,
        isPrimary: true,
        elementTypeParams: idParams,
      },
      { fieldName: vector, dataType: 'FloatVector', elementTypeParams: { dim: req.dimension } },
    ],
    indexParams: [{ fieldName: vector, indexName: vector, metricType: req.metricType || 'COSINE' }],
    // Quick setup keeps fields the schema does not name in the dynamic field, as Milvus does.
    dynamic: rawDynamic === undefined ? true : truthy(rawDynamic),
  };
}

/** A Quiver schema for a create request, with the Milvus view of its fields kept as a collection property. */
export function toQuiverSchema(req: CreateRequest): CollectionSchema {
  const full = (req.schema?.fields?.length ?? 0) > 0;
  if ((req.schema?.functions?.length ?? 0) > 0) {
    throw unsupported('schema functions (BM25, text embedding)', 'send vectors; Quiver does not run functions');
  }
  let fields: MilvusField[];
  let indexParams: MilvusIndexParam[];
  let dynamic: boolean;
  let autoId: boolean;
  if (full) {
    fields = req.schema!.fields!;
    indexParams = req.indexParams ?? [];
    dynamic = req.schema!.enableDynamicField ?? req.schema!.enabledDynamicField ?? false;
    autoId = req.schema!.autoID ?? req.schema!.autoId ?? false;
  } else {
    ({ fields, indexParams, dynamic } = quickSetup(req));
    autoId = req.autoID ?? req.autoId ?? false;
  }
  const names = new Set(fields.map((f) => f.fieldName));
  for (const ip of indexParams) {
    if (!names.has(ip.fieldName)) {
      throw new MilvusError(
        MilvusCode.MISSING_REQUIRED_PARAMETERS,
        `missing required parameters, error: \`${ip.fieldName}\` hasn't defined in schema`,
      );
    }
  }
  // Index params on scalar fields (INVERTED, STL_SORT, ...) are accepted and ignored: Quiver builds its own
  // scalar indexes when it seals a segment.
  const mapped = fields.map((f) =>
    mapField(
      f,
      autoId,
      indexParams.find((ip) => ip.fieldName === f.fieldName),
    ),
  );
  const stored = mapped.map((m, i) => ({
    ...m.stored,
    ...(fields[i]!.description ? { description: fields[i]!.description } : {}),
  }));
  return {
    fields: mapped.map((m) => m.field),
    dynamic,
    ...(req.description ? { description: req.description } : {}),
    properties: { [MILVUS_PROPERTY]: encodeStoredFields(stored) },
  };
}

function typeParams(f: FieldView): { key: string; value: string }[] {
  const q = f.quiver;
  const out: { key: string; value: string }[] = [];
  if (q.type === 'vector') out.push({ key: 'dim', value: String(q.dim) });
  if ((q.type === 'string' || q.type === 'string[]') && q.maxLength !== undefined) {
    out.push({ key: 'max_length', value: String(q.maxLength) });
  }
  if (q.type === 'string[]' && 'maxCapacity' in q && q.maxCapacity !== undefined) {
    out.push({ key: 'max_capacity', value: String(q.maxCapacity) });
  }
  if (f.maxCapacity !== undefined) out.push({ key: 'max_capacity', value: String(f.maxCapacity) });
  if (q.type === 'string' && 'fullText' in q && q.fullText) {
    out.push({ key: 'enable_analyzer', value: 'true' }, { key: 'enable_match', value: 'true' });
  }
  return out;
}

/** A collection in the shape of Milvus's `collections/describe` data. */
export function toMilvusDescription(view: CollectionView): Record<string, unknown> {
  const created = Date.parse(view.createdAt);
  return {
    collectionName: view.name,
    collectionID: Number.isFinite(created) ? created : 0,
    description: view.description,
    autoId: view.primary.autoId,
    fields: view.fields.map((f, i) => ({
      name: f.name,
      id: 100 + i,
      type: f.dataType,
      ...(f.elementType ? { elementType: f.elementType } : {}),
      primaryKey: f.primary,
      partitionKey: f.partitionKey,
      clusteringKey: false,
      autoId: f.autoId,
      nullable: f.nullable,
      description: f.description,
      params: typeParams(f),
      ...(f.defaultValue !== undefined ? { defaultValue: f.defaultValue } : {}),
    })),
    functions: [],
    aliases: [],
    indexes: view.vectors.map((v) => ({
      fieldName: v.name,
      indexName: v.indexName ?? v.name,
      metricType: fromMetric(v.metric!),
    })),
    load: 'LoadStateLoaded',
    shardsNum: 1,
    partitionsNum: view.partitions.length,
    // Every read sees every acknowledged write.
    consistencyLevel: 'Strong',
    enableDynamicField: view.dynamic,
    properties: Object.entries(view.properties).map(([key, value]) => ({ key, value })),
  };
}
