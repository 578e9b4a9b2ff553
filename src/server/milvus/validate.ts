/**
 * The request bodies of the Milvus REST v2 operations, as zod schemas. They are loose: Milvus clients send keys
 * Quiver has no use for (`dbName`, `consistencyLevel`, `ignoreGrowing`, ...), which are accepted and ignored.
 * A body that does not match comes back in Milvus's terms: a required key that is missing is 1802 ("missing
 * required parameters"), a key of the wrong type 1801 ("can only accept json format request"), as Milvus's own
 * request binding answers.
 */

import { z } from 'zod';
import { isQuiverError } from '../../errors.js';
import { parseRequest } from '../validate.js';
import { MilvusCode, MilvusError } from './responses.js';

const name = z.string().min(1);
const names = z.array(z.string());
const record = z.record(z.string(), z.unknown());
const count = z.int().min(0);

export const collectionNameBody = z.looseObject({ collectionName: name });

export const fieldBody = z.looseObject({
  fieldName: name,
  dataType: name,
  elementDataType: z.string().optional(),
  isPrimary: z.boolean().optional(),
  isPartitionKey: z.boolean().optional(),
  isClusteringKey: z.boolean().optional(),
  nullable: z.boolean().optional(),
  defaultValue: z.unknown().optional(),
  description: z.string().optional(),
  elementTypeParams: record.optional(),
});

export const indexParamBody = z.looseObject({
  fieldName: name,
  indexName: z.string().optional(),
  metricType: z.string().optional(),
  indexType: z.string().optional(),
  params: record.optional(),
});

export const createBody = z.looseObject({
  collectionName: name,
  description: z.string().optional(),
  // Quick setup.
  dimension: z.int().min(0).optional(),
  metricType: z.string().optional(),
  idType: z.string().optional(),
  autoID: z.boolean().optional(),
  autoId: z.boolean().optional(),
  primaryFieldName: z.string().optional(),
  vectorFieldName: z.string().optional(),
  params: record.optional(),
  // Full schema.
  schema: z
    .looseObject({
      autoID: z.boolean().optional(),
      autoId: z.boolean().optional(),
      enableDynamicField: z.boolean().optional(),
      // The Node SDK's typings spell it this way.
      enabledDynamicField: z.boolean().optional(),
      fields: z.array(fieldBody).optional(),
      functions: z.array(z.unknown()).optional(),
    })
    .optional(),
  indexParams: z.array(indexParamBody).optional(),
});

export const partitionBody = z.looseObject({ collectionName: name, partitionName: name });

export const writeBody = z.looseObject({
  collectionName: name,
  data: z.union([z.array(record), record]),
  partitionName: z.string().optional(),
});

export const deleteBody = z.looseObject({
  collectionName: name,
  filter: z.string().optional(),
  id: z.unknown().optional(),
  partitionName: z.string().optional(),
  exprParams: record.optional(),
});

export const getBody = z.looseObject({
  collectionName: name,
  id: z.unknown(),
  outputFields: names.optional(),
  partitionNames: names.optional(),
});

export const queryBody = z.looseObject({
  collectionName: name,
  filter: z.string().optional(),
  outputFields: names.optional(),
  limit: count.optional(),
  offset: count.optional(),
  partitionNames: names.optional(),
  exprParams: record.optional(),
  consistencyLevel: z.string().optional(),
});

export const searchParamsBody = z.looseObject({
  metricType: z.string().optional(),
  params: record.optional(),
});

export const searchBody = z.looseObject({
  collectionName: name,
  data: z.array(z.unknown()),
  annsField: z.string().optional(),
  filter: z.string().optional(),
  limit: count.optional(),
  offset: count.optional(),
  outputFields: names.optional(),
  partitionNames: names.optional(),
  searchParams: searchParamsBody.optional(),
  // Milvus keeps reading this older spelling of the search params.
  params: record.optional(),
  exprParams: record.optional(),
  groupingField: z.string().optional(),
  consistencyLevel: z.string().optional(),
});

export const subSearchBody = z.looseObject({
  data: z.array(z.unknown()),
  annsField: z.string().optional(),
  filter: z.string().optional(),
  limit: count.optional(),
  offset: count.optional(),
  metricType: z.string().optional(),
  // Sub-searches carry their params as `params` ({ ef, radius, range_filter }, or nested under `params`).
  params: record.optional(),
  searchParams: record.optional(),
  exprParams: record.optional(),
  groupingField: z.string().optional(),
});

export const hybridBody = z.looseObject({
  collectionName: name,
  search: z.array(subSearchBody).min(1),
  rerank: z.looseObject({ strategy: z.string(), params: record.optional() }).optional(),
  limit: count.optional(),
  offset: count.optional(),
  outputFields: names.optional(),
  partitionNames: names.optional(),
  groupingField: z.string().optional(),
  consistencyLevel: z.string().optional(),
});

/** The value at an issue's path (`body.search.0.data`) in `body`, or undefined where the path runs out. */
function at(body: unknown, path: string): unknown {
  let value = body;
  for (const step of path.split('.').slice(1)) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}

/** `body` checked against `schema`, or a MilvusError saying which key is missing or of the wrong type. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  try {
    return parseRequest(schema, body);
  } catch (err) {
    if (!isQuiverError(err, 'INVALID_ARGUMENT')) throw err;
    const issues = (err.details.issues ?? []) as { path: string; message: string }[];
    const missing = issues.find((i) => at(body, i.path) === undefined);
    if (missing) {
      throw new MilvusError(
        MilvusCode.MISSING_REQUIRED_PARAMETERS,
        `missing required parameters, error: ${missing.path.replace(/^body\./, '')} is required`,
        200,
        { issues },
      );
    }
    throw new MilvusError(
      MilvusCode.INCORRECT_PARAMETER_FORMAT,
      `can only accept json format request, error: ${err.message.replace(/^body\./, '')}`,
      200,
      { issues },
    );
  }
}

const CONSISTENCY_LEVELS = new Set(['Strong', 'Session', 'Bounded', 'Eventually', 'Customized']);

/** Milvus's consistency levels are accepted (every Quiver read sees every acknowledged write); others are not. */
export function checkConsistency(level: string | undefined): void {
  if (level === undefined || level === '' || CONSISTENCY_LEVELS.has(level)) return;
  throw new MilvusError(
    MilvusCode.PARAMETER_INVALID,
    `consistencyLevel can only be [Strong, Session, Bounded, Eventually, Customized]; got ${level}`,
  );
}

/** A list of names, with an empty list read as none (as Milvus reads it). */
export function nonEmpty(list: string[] | undefined): string[] | undefined {
  return list && list.length > 0 ? list : undefined;
}
