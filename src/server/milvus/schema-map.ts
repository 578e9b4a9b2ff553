/**
 * Milvus collection schemas ↔ Quiver schemas. Milvus data types map onto Quiver's field types (Int8..Int64 → int,
 * Float/Double → float, VarChar → string, Bool, JSON, Array of VarChar → string[], FloatVector → vector);
 * the rest (binary, float16, bfloat16 and sparse vectors, arrays of other element types) are refused by name.
 * A vector field's metric comes from the matching `indexParams` entry, COSINE when there is none.
 */

import type { CollectionSchema, FieldSchema, IndexParams, Metric } from '../../store/schema/types.js';
import { unsupported } from './envelope.js';

export interface MilvusField {
  fieldName: string;
  dataType: string;
  elementDataType?: string;
  isPrimary?: boolean;
  isPartitionKey?: boolean;
  nullable?: boolean;
  elementTypeParams?: { dim?: number | string; max_length?: number | string; max_capacity?: number | string };
}

export interface MilvusIndexParam {
  fieldName: string;
  metricType?: string;
  indexName?: string;
  params?: Record<string, unknown>;
}

export interface MilvusCreateRequest {
  collectionName: string;
  dimension?: number;
  metricType?: string;
  idType?: string;
  autoID?: boolean;
  primaryFieldName?: string;
  vectorFieldName?: string;
  schema?: { autoID?: boolean; enableDynamicField?: boolean; enabledDynamicField?: boolean; fields: MilvusField[] };
  indexParams?: MilvusIndexParam[];
  params?: { max_length?: number | string; enableDynamicField?: boolean };
  description?: string;
}

const INT_TYPES = new Set(['Int8', 'Int16', 'Int32', 'Int64']);

export function toMetric(metric: string | undefined): Metric {
  switch ((metric ?? 'COSINE').toUpperCase()) {
    case 'COSINE':
      return 'cosine';
    case 'IP':
      return 'ip';
    case 'L2':
      return 'l2';
    default:
      throw unsupported(`metricType ${metric}`);
  }
}

export function fromMetric(metric: Metric): string {
  return metric.toUpperCase();
}

const num = (v: number | string | undefined): number | undefined => (v === undefined ? undefined : Number(v));

/** The HNSW settings of a Milvus index entry, when it asks for HNSW (AUTOINDEX and FLAT are taken as they come). */
function indexOf(param: MilvusIndexParam | undefined): IndexParams {
  const type = String(param?.params?.index_type ?? 'AUTOINDEX').toUpperCase();
  if (type === 'FLAT') return { type: 'FLAT' };
  if (type === 'HNSW' || type === 'AUTOINDEX') {
    const M = param?.params?.M === undefined ? undefined : Number(param.params.M);
    const efConstruction =
      param?.params?.efConstruction === undefined ? undefined : Number(param.params.efConstruction);
    return { type: 'HNSW', ...(M ? { M } : {}), ...(efConstruction ? { efConstruction } : {}) };
  }
  throw unsupported(`index_type ${type}`);
}

function field(f: MilvusField, autoId: boolean, indexes: MilvusIndexParam[]): FieldSchema {
  const name = f.fieldName;
  const t = f.dataType;
  if (f.isPrimary) {
    if (t === 'Int64') return { name, type: 'int', primary: true, autoId };
    if (t === 'VarChar') {
      if (autoId) throw unsupported('autoID on a VarChar primary key');
      return { name, type: 'string', primary: true, maxLength: num(f.elementTypeParams?.max_length) };
    }
    throw unsupported(`a ${t} primary key`);
  }
  const nullable = f.nullable === true ? { nullable: true } : {};
  if (t === 'FloatVector') {
    const dim = num(f.elementTypeParams?.dim);
    const index = indexes.find((i) => i.fieldName === name);
    return { name, type: 'vector', dim: dim ?? Number.NaN, metric: toMetric(index?.metricType), index: indexOf(index) };
  }
  if (INT_TYPES.has(t)) return { name, type: 'int', ...nullable };
  if (t === 'Float' || t === 'Double') return { name, type: 'float', ...nullable };
  if (t === 'Bool') return { name, type: 'bool', ...nullable };
  if (t === 'VarChar') return { name, type: 'string', maxLength: num(f.elementTypeParams?.max_length), ...nullable };
  if (t === 'JSON') return { name, type: 'json', ...nullable };
  if (t === 'Array' && f.elementDataType === 'VarChar') {
    return {
      name,
      type: 'string[]',
      maxLength: num(f.elementTypeParams?.max_length),
      maxCapacity: num(f.elementTypeParams?.max_capacity),
      ...nullable,
    };
  }
  if (t === 'Array') throw unsupported(`an Array of ${f.elementDataType ?? 'unknown'} (only Array of VarChar)`);
  throw unsupported(`the ${t} data type`);
}

/** A Quiver schema for a create request, in either of Milvus's forms: quick setup, or a full schema. */
export function toQuiverSchema(req: MilvusCreateRequest): CollectionSchema {
  if (req.schema) {
    const autoId = req.schema.autoID === true;
    const fields = req.schema.fields.map((f) => field(f, autoId, req.indexParams ?? []));
    if (req.schema.fields.some((f) => f.isPartitionKey)) throw unsupported('isPartitionKey in the Milvus API');
    return {
      fields,
      dynamic: req.schema.enableDynamicField ?? req.schema.enabledDynamicField ?? false,
      ...(req.description ? { description: req.description } : {}),
    };
  }
  const idType = req.idType ?? 'Int64';
  const id = req.primaryFieldName ?? 'id';
  const vector = req.vectorFieldName ?? 'vector';
  const primary: MilvusField = {
    fieldName: id,
    dataType: idType,
    isPrimary: true,
    elementTypeParams: { max_length: req.params?.max_length },
  };
  const vec: MilvusField = { fieldName: vector, dataType: 'FloatVector', elementTypeParams: { dim: req.dimension } };
  const indexes = [{ fieldName: vector, metricType: req.metricType ?? 'COSINE' }];
  return {
    fields: [field(primary, req.autoID === true, []), field(vec, false, indexes)],
    // Quick setup stores fields the schema does not name in the dynamic field, as Milvus does.
    dynamic: req.params?.enableDynamicField ?? true,
  };
}

const MILVUS_TYPES: Record<string, string> = {
  int: 'Int64',
  float: 'Double',
  bool: 'Bool',
  string: 'VarChar',
  json: 'JSON',
  'string[]': 'Array',
  vector: 'FloatVector',
};

/** A Quiver collection's description in Milvus's describe format. */
export function toMilvusDescription(d: {
  name: string;
  fields: FieldSchema[];
  dynamic?: boolean;
  description?: string;
  partitions: string[];
  createdAt?: unknown;
}): Record<string, unknown> {
  return {
    collectionName: d.name,
    description: d.description ?? '',
    autoId: d.fields.some((f) => 'primary' in f && f.autoId === true),
    enableDynamicField: d.dynamic === true,
    fields: d.fields.map((f) => ({
      name: f.name,
      type: MILVUS_TYPES[f.type],
      ...(f.type === 'string[]' ? { elementType: 'VarChar' } : {}),
      primaryKey: 'primary' in f,
      autoId: 'primary' in f && f.autoId === true,
      partitionKey: false,
      nullable: 'nullable' in f && f.nullable === true,
      description: '',
      params: f.type === 'vector' ? [{ key: 'dim', value: String(f.dim) }] : [],
    })),
    indexes: d.fields
      .filter((f) => f.type === 'vector')
      .map((f) => ({
        fieldName: f.name,
        indexName: f.name,
        metricType: f.type === 'vector' ? fromMetric(f.metric) : undefined,
      })),
    load: 'LoadStateLoaded',
    shardsNum: 1,
    partitionsNum: d.partitions.length,
    consistencyLevel: 'Bounded',
    properties: [],
    aliases: [],
  };
}
