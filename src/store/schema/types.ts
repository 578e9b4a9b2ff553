/**
 * Collection schema types. A collection has exactly one primary key (string or int64), one or more vector
 * fields, typed scalar fields, and optionally dynamic fields: keys a row carries that the schema does not
 * name, kept in a hidden JSON column (`$meta`, as in Milvus) and reachable from filters by name.
 */

import type { AnalyzerOptions } from '../text/analyzer-options.js';

export type Metric = 'cosine' | 'ip' | 'l2';

export type ScalarType = 'bool' | 'int' | 'float' | 'string' | 'string[]' | 'json';

export type FieldType = ScalarType | 'vector';

export interface HnswParams {
  type: 'HNSW';
  /** Graph degree. Default 16. */
  M?: number;
  /** Build-time beam width. Default 200. */
  efConstruction?: number;
  /** Default search beam width when a search names none. Default 64. */
  ef?: number;
}

/** Full-text (BM25) indexing of a string field: the analyzer its text goes through, and BM25's parameters. */
export interface FullTextParams {
  /** Tokenizing, stopwords and stemming. Default: English (see AnalyzerOptions). */
  analyzer?: AnalyzerOptions;
  /** Term-frequency saturation. Default 1.2; a search may override it. */
  k1?: number;
  /** Length normalization, 0..1. Default 0.75; a search may override it. */
  b?: number;
}

export interface FlatParams {
  type: 'FLAT';
}

/**
 * The IVF family, as Milvus names it: `nlist` coarse lists per segment (default 4·√rows), `nprobe` lists scanned
 * per search (default max(8, nlist/16); a search may override it). IVF_SQ8 stores one byte per dimension and
 * IVF_PQ `m` bytes per vector (default dim/4); both re-rank `rerank × k` candidates on the full vectors
 * (default 4).
 */
export interface IvfParams {
  type: 'IVF_FLAT' | 'IVF_SQ8' | 'IVF_PQ';
  nlist?: number;
  nprobe?: number;
  /** IVF_PQ only: sub-vectors per vector; must divide the dimension. */
  m?: number;
  /** IVF_SQ8 and IVF_PQ: candidates re-ranked on full vectors per hit wanted. */
  rerank?: number;
}

/**
 * Milvus's AUTOINDEX, the default: Quiver picks per segment and says what it picked (`stats()` and `explain` name each
 * segment's index). Segments under 1,000 rows are scanned exactly (FLAT). Larger ones get HNSW, unless
 * `maxIndexBytesPerRow` is set below what HNSW needs (its graph keeps a copy of the vectors: about
 * 4·dim + 150 bytes a row); then the most accurate IVF type that fits: IVF_SQ8 (dim + ~50 bytes), IVF_PQ
 * (dim/4 + ~50), else IVF_FLAT.
 */
export interface AutoIndexParams {
  type: 'AUTOINDEX';
  /** Memory the index may add per row, beyond the vector column. Default: no limit. */
  maxIndexBytesPerRow?: number;
}

export type IndexParams = HnswParams | FlatParams | IvfParams | AutoIndexParams;

export interface PrimaryFieldSchema {
  name: string;
  type: 'string' | 'int';
  primary: true;
  /** Quiver assigns ids when rows omit them (int keys only). */
  autoId?: boolean;
  /** Longest accepted string key, in UTF-16 code units. Default 65535. */
  maxLength?: number;
}

export interface VectorFieldSchema {
  name: string;
  type: 'vector';
  dim: number;
  metric: Metric;
  /** The ANN index each sealed segment gets. Default: AUTOINDEX. */
  index?: IndexParams;
}

export interface ScalarFieldSchema {
  name: string;
  type: ScalarType;
  /** A nullable field may be omitted or null in a row. Default false. */
  nullable?: boolean;
  /** For string and string[] fields: the longest accepted string. Default 65535. */
  maxLength?: number;
  /** For string[] fields: the most elements accepted. Default 4096. */
  maxCapacity?: number;
  /** Marks the field whose value names a row's tenant (Milvus's partition key). At most one. */
  partitionKey?: boolean;
  /**
   * String fields only: keep a BM25 inverted index of the field's text, for `text_match(field, "...")`
   * filters and text search (`search({ text })`, `hybridSearch`). `true` takes every default.
   */
  fullText?: boolean | FullTextParams;
}

export type FieldSchema = PrimaryFieldSchema | VectorFieldSchema | ScalarFieldSchema;

export interface CollectionSchema {
  fields: FieldSchema[];
  /** Accept and store keys the schema does not name. Default false. */
  dynamic?: boolean;
  description?: string;
  /**
   * Free-form string settings kept with the collection (as Milvus's collection properties), e.g. the embedding
   * model that produced its vectors. At most 64 keys, each value at most 4,096 characters.
   */
  properties?: Record<string, string>;
}

/** JSON values as stored in json fields and dynamic fields. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A row as callers write and read it: field name to value, vectors as number[] or Float32Array. */
export type Row = Record<string, unknown>;

/** The key of the hidden column that holds dynamic fields. */
export const DYNAMIC_FIELD = '$meta';
