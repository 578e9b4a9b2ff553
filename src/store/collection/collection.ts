/**
 * A collection: the public handle for one table of rows with a schema. Writes are durable when their promise
 * resolves (WAL fsync) and visible to searches from then on; all writes are all-or-nothing per batch.
 *
 * @example
 * const docs = await db.createCollection('docs', { fields: [
 *   { name: 'id', type: 'string', primary: true },
 *   { name: 'embedding', type: 'vector', dim: 384, metric: 'cosine' },
 *   { name: 'year', type: 'int' },
 * ] });
 * await docs.insert([{ id: 'a', embedding, year: 2024 }]);
 * const { hits } = await docs.search({ vector: q, k: 5, filter: 'year >= {y}', params: { y: 2020 } });
 */

import { QuiverError } from '../../errors.js';
import { compileFilter } from '../filter/index.js';
import type { PrimaryKey, WalEntry } from '../schema/batch.js';
import type { Row } from '../schema/types.js';
import { validateRows } from '../schema/validate-rows.js';
import { waitsForIndex } from '../segment/index-target.js';
import { candidateRows } from '../segment/planner.js';
import type { Segment } from '../segment/segment.js';
import type { VectorIndexKind } from '../vector/vector-index.js';
import type { CollectionApi } from './collection-api.js';
import type { CollectionCore } from './collection-core.js';
import { type HybridResult, type HybridSearchOptions, hybridSearch } from './hybrid-search.js';
import { DEFAULT_PARTITION } from './manifest.js';
import { projectRow, resolveProjection } from './projection.js';
import {
  type ConsistencyLevel,
  MAX_TOPK,
  prepareQuery,
  prepareSearch,
  type SearchOptions,
  type SearchResult,
} from './search.js';
import { prepareTextSearch, type TextSearchOptions } from './text-search.js';

export interface WriteOptions {
  /** Target partition. Default `_default`. Not allowed when the schema has a partition key. */
  partition?: string;
}

export interface WriteResult {
  /** Keys written, in input order (auto-assigned ones included). */
  ids: PrimaryKey[];
  count: number;
}

export interface DeleteRequest {
  ids?: PrimaryKey[];
  filter?: string;
  params?: Record<string, unknown>;
  partitions?: string[];
}

export interface QueryOptions {
  filter?: string;
  params?: Record<string, unknown>;
  outputFields?: string[];
  /** Rows to return. Default and maximum 16,384. */
  limit?: number;
  offset?: number;
  partitions?: string[];
  consistency?: ConsistencyLevel;
}

const yieldNow = () => new Promise<void>((r) => setImmediate(r));

export class Collection implements CollectionApi {
  private readonly core: CollectionCore;

  /** @internal Use `Quiver.createCollection` or `Quiver.collection`. */
  constructor(core: CollectionCore) {
    this.core = core;
  }

  get name(): string {
    return this.core.name;
  }

  private checkPartitions = (partitions?: string[]): void => {
    if (partitions === undefined) return;
    if (!Array.isArray(partitions) || partitions.length === 0) {
      throw new QuiverError('INVALID_ARGUMENT', 'partitions must be a non-empty array of names');
    }
    for (const p of partitions) {
      if (!this.core.manifest.partitions.includes(p)) {
        throw new QuiverError('PARTITION_NOT_FOUND', `partition "${p}" does not exist in "${this.name}"`, {
          partition: p,
        });
      }
    }
  };

  private targetPartition(options?: WriteOptions): string {
    const p = options?.partition;
    if (p === undefined) return DEFAULT_PARTITION;
    if (this.core.schema.partitionKey) {
      throw new QuiverError(
        'INVALID_ARGUMENT',
        `"${this.name}" routes rows by its partition key; do not name a partition`,
      );
    }
    this.checkPartitions([p]);
    return p;
  }

  /** Inserts new rows. A key that already exists, or appears twice, fails the whole batch with DUPLICATE_KEY. */
  async insert(rows: Row[], options?: WriteOptions): Promise<WriteResult> {
    const partition = this.targetPartition(options);
    const result = await this.core.write(() => {
      const batch = validateRows(this.core.schema, rows, partition, {
        mode: 'insert',
        limits: this.core.options.batchLimits,
        assignIds: (n) => this.core.assignIds(n),
      });
      for (const [i, pk] of batch.pks.entries()) {
        if (this.core.data.keys.has(pk)) {
          throw new QuiverError(
            'DUPLICATE_KEY',
            `row ${i}: key ${JSON.stringify(pk)} already exists; use upsert to replace it`,
            {
              row: i,
              key: pk,
            },
          );
        }
      }
      if (batch.pks.length === 0) return undefined;
      return { entry: { op: 'insert', batch } as WalEntry, result: { ids: batch.pks, count: batch.pks.length } };
    });
    return result ?? { ids: [], count: 0 };
  }

  /** Inserts rows, replacing any existing row with the same key. Atomic per batch. */
  async upsert(rows: Row[], options?: WriteOptions): Promise<WriteResult> {
    if (this.core.schema.primary.autoId) {
      throw new QuiverError(
        'INVALID_ARGUMENT',
        `"${this.name}" assigns ids automatically; upsert needs caller-given keys`,
      );
    }
    const partition = this.targetPartition(options);
    const result = await this.core.write(() => {
      const batch = validateRows(this.core.schema, rows, partition, {
        mode: 'upsert',
        limits: this.core.options.batchLimits,
      });
      if (batch.pks.length === 0) return undefined;
      return { entry: { op: 'upsert', batch } as WalEntry, result: { ids: batch.pks, count: batch.pks.length } };
    });
    return result ?? { ids: [], count: 0 };
  }

  /** Deletes rows by keys or by filter (or both: rows matching either). Resolves with how many existed. */
  async delete(request: DeleteRequest): Promise<{ deleted: number }> {
    if (!request || (request.ids === undefined && request.filter === undefined)) {
      throw new QuiverError('INVALID_ARGUMENT', 'delete needs "ids" or "filter"');
    }
    this.checkPartitions(request.partitions);
    const filter =
      request.filter === undefined ? undefined : compileFilter(request.filter, this.core.schema, request.params);
    const deleted = await this.core.write(() => {
      const pks = new Set<PrimaryKey>();
      for (const id of request.ids ?? []) {
        const at = this.core.data.keys.get(id);
        if (at && (!request.partitions || request.partitions.includes(at.segment.partition(at.row)))) pks.add(id);
      }
      if (filter) {
        for (const segment of this.core.data.segments()) {
          const rows = candidateRows(segment, filter, request.partitions);
          if (rows) for (const row of rows.toArray()) pks.add(segment.pk(row));
        }
      }
      if (pks.size === 0) return undefined;
      return { entry: { op: 'delete', pks: [...pks] } as WalEntry, result: pks.size };
    });
    return { deleted: deleted ?? 0 };
  }

  /** Rows with these keys, in the order given; missing keys are skipped. */
  async get(ids: PrimaryKey[], options: { outputFields?: string[] } = {}): Promise<Row[]> {
    this.core.assertOpen();
    if (!Array.isArray(ids)) throw new QuiverError('INVALID_ARGUMENT', 'ids must be an array');
    const projection = resolveProjection(this.core.schema, options.outputFields);
    const out: Row[] = [];
    for (const id of ids) {
      const at = this.core.data.keys.get(id);
      if (at) out.push({ [this.core.schema.primary.name]: id, ...projectRow(at.segment, at.row, projection) });
    }
    return out;
  }

  /** Rows matching a filter, in storage order. */
  async query(options: QueryOptions = {}): Promise<Row[]> {
    this.core.assertOpen();
    const limit = options.limit ?? MAX_TOPK;
    const offset = options.offset ?? 0;
    if (!Number.isInteger(limit) || limit < 0 || !Number.isInteger(offset) || offset < 0 || limit + offset > MAX_TOPK) {
      throw new QuiverError(
        'INVALID_ARGUMENT',
        `limit and offset must be integers ≥ 0 with limit + offset ≤ ${MAX_TOPK}`,
      );
    }
    this.checkPartitions(options.partitions);
    const filter =
      options.filter === undefined ? undefined : compileFilter(options.filter, this.core.schema, options.params);
    const projection = resolveProjection(this.core.schema, options.outputFields);
    const pkName = this.core.schema.primary.name;
    const out: Row[] = [];
    let skip = offset;
    for (const segment of this.core.data.segments()) {
      if (out.length >= limit) break;
      for (const row of this.matching(segment, filter, options.partitions)) {
        if (skip > 0) {
          skip--;
          continue;
        }
        out.push({ [pkName]: segment.pk(row), ...projectRow(segment, row, projection) });
        if (out.length >= limit) break;
      }
    }
    return out;
  }

  /**
   * Every row matching a filter, in batches, with no 16,384-row cap: the way to read a whole collection. It
   * walks the segments that existed when it started; a row deleted before its segment is reached is skipped,
   * and rows written after the start may or may not appear (as Milvus's query iterator).
   * @example
   * for await (const rows of docs.iterate({ filter: 'year > 2020', outputFields: ['title'] })) console.log(rows.length);
   */
  async *iterate(options: Omit<QueryOptions, 'limit' | 'offset'> & { batchSize?: number } = {}): AsyncGenerator<Row[]> {
    this.core.assertOpen();
    const batchSize = options.batchSize ?? 1000;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_TOPK) {
      throw new QuiverError('INVALID_ARGUMENT', `batchSize must be an integer in [1, ${MAX_TOPK}]`);
    }
    this.checkPartitions(options.partitions);
    const filter =
      options.filter === undefined ? undefined : compileFilter(options.filter, this.core.schema, options.params);
    const projection = resolveProjection(this.core.schema, options.outputFields);
    const pkName = this.core.schema.primary.name;
    let batch: Row[] = [];
    for (const segment of this.core.data.segments()) {
      for (const row of this.matching(segment, filter, options.partitions)) {
        batch.push({ [pkName]: segment.pk(row), ...projectRow(segment, row, projection) });
        if (batch.length === batchSize) {
          yield batch;
          batch = [];
          this.core.assertOpen();
        }
      }
    }
    if (batch.length > 0) yield batch;
  }

  private *matching(segment: Segment, filter: ReturnType<typeof compileFilter> | undefined, partitions?: string[]) {
    const rows = candidateRows(segment, filter, partitions);
    if (rows) yield* rows.toArray();
    else for (let row = 0; row < segment.rowCount; row++) yield row;
  }

  /** Number of live rows, optionally only those matching a filter or in some partitions. */
  async count(
    options: { filter?: string; params?: Record<string, unknown>; partitions?: string[] } = {},
  ): Promise<number> {
    this.core.assertOpen();
    if (options.filter === undefined && options.partitions === undefined) return this.core.data.liveRows;
    this.checkPartitions(options.partitions);
    const filter =
      options.filter === undefined ? undefined : compileFilter(options.filter, this.core.schema, options.params);
    let n = 0;
    for (const segment of this.core.data.segments()) {
      const rows = candidateRows(segment, filter, options.partitions);
      n += rows ? rows.count() : segment.rowCount - segment.deletedCount;
    }
    return n;
  }

  /**
   * The k nearest rows to one query vector, or, given `text` instead, the k best rows by BM25 over a
   * full-text field (`field` names it when there are several; `k1` and `b` override the field's).
   */
  async search(
    request: (SearchOptions & { vector: ArrayLike<number> }) | (TextSearchOptions & { text: string }),
  ): Promise<SearchResult> {
    this.core.assertOpen();
    if (request !== null && typeof request === 'object' && 'text' in request && request.text !== undefined) {
      if ('vector' in request && request.vector !== undefined) {
        throw new QuiverError('INVALID_ARGUMENT', 'search takes "vector" or "text", not both; use hybridSearch');
      }
      const text = prepareTextSearch(this.core.data, request, this.checkPartitions);
      return text.run(request.text);
    }
    const vectorRequest = request as SearchOptions & { vector: ArrayLike<number> };
    const prepared = prepareSearch(
      this.core.data,
      vectorRequest,
      this.checkPartitions,
      this.core.options.exactScanRows,
    );
    return prepared.run(prepareQuery(prepared.field, vectorRequest.vector));
  }

  /**
   * Dense and BM25 sub-searches with one filter, fused into one ranking (RRF, weighted, or adaptive).
   *
   * @example
   * const { hits } = await chunks.hybridSearch({
   *   requests: [{ vector: await embedder.embedQuery(q) }, { text: q }],
   *   k: 5,
   *   filter: 'source like "docs/%"',
   * });
   */
  async hybridSearch(request: HybridSearchOptions): Promise<HybridResult> {
    this.core.assertOpen();
    return hybridSearch(this.core.data, request, this.checkPartitions, this.core.options.exactScanRows);
  }

  /** Several queries in one call; each sees a consistent state, and results come back in query order. */
  async searchBatch(request: SearchOptions & { vectors: ArrayLike<number>[] }): Promise<SearchResult[]> {
    this.core.assertOpen();
    if (!Array.isArray(request.vectors) || request.vectors.length === 0) {
      throw new QuiverError('INVALID_ARGUMENT', 'vectors must be a non-empty array of query vectors');
    }
    const prepared = prepareSearch(this.core.data, request, this.checkPartitions, this.core.options.exactScanRows);
    const queries = request.vectors.map((v) => prepareQuery(prepared.field, v));
    const out: SearchResult[] = [];
    for (const [i, q] of queries.entries()) {
      if (i > 0 && i % 16 === 0) await yieldNow();
      this.core.assertOpen();
      out.push(prepared.run(q));
    }
    return out;
  }

  async createPartition(name: string): Promise<void> {
    if (this.core.schema.partitionKey) {
      throw new QuiverError('INVALID_ARGUMENT', `"${this.name}" has a partition key; partitions are managed for you`);
    }
    if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_-]{0,254}$/.test(name)) {
      throw new QuiverError('INVALID_ARGUMENT', `partition name ${JSON.stringify(name)} is not valid`);
    }
    await this.core.writes.run(async () => {
      this.core.assertWritable();
      if (this.core.manifest.partitions.includes(name)) {
        throw new QuiverError('PARTITION_EXISTS', `partition "${name}" already exists`, { partition: name });
      }
      await this.core.updateManifest((m) => {
        m.partitions.push(name);
      });
    });
  }

  /** Drops a partition and every row in it. The default partition cannot be dropped. */
  async dropPartition(name: string): Promise<void> {
    if (name === DEFAULT_PARTITION)
      throw new QuiverError('INVALID_ARGUMENT', 'the default partition cannot be dropped');
    this.checkPartitions([name]);
    await this.core.write(() => {
      const pks: PrimaryKey[] = [];
      for (const segment of this.core.data.segments()) {
        for (const row of candidateRows(segment, undefined, [name])!.toArray()) pks.push(segment.pk(row));
      }
      return pks.length === 0 ? undefined : { entry: { op: 'delete', pks } as WalEntry, result: pks.length };
    });
    await this.core.writes.run(async () => {
      this.core.assertWritable();
      await this.core.updateManifest((m) => {
        m.partitions = m.partitions.filter((p) => p !== name);
      });
    });
  }

  listPartitions(): string[] {
    return [...this.core.manifest.partitions];
  }

  /** Seals all rows written so far into indexed segments and persists every delete. */
  async flush(): Promise<void> {
    await this.core.flush();
  }

  /** Runs compaction now; `major: true` merges every segment that fits under `maxSegmentRows`. */
  async compact(options: { major?: boolean } = {}): Promise<{ tasks: number }> {
    this.core.assertWritable();
    return { tasks: await this.core.compact(options.major === true) };
  }

  /** Resolves when background sealing and compaction have nothing left to do. */
  async waitForIndexes(): Promise<void> {
    await this.core.idle();
  }

  describe() {
    const s = this.core.schema;
    return {
      name: this.name,
      fields: s.fields,
      dynamic: s.dynamic,
      description: s.description,
      properties: s.properties,
      partitionKey: s.partitionKey ?? null,
      partitions: this.listPartitions(),
      createdAt: this.core.manifest.createdAt,
      rows: this.core.data.liveRows,
      vectorIndexes: s.vectors.map((f) => {
        const segments: Partial<Record<VectorIndexKind, number>> = {};
        for (const seg of this.core.data.sealed) {
          const kind = seg.vectorIndex(f.name).kind;
          segments[kind] = (segments[kind] ?? 0) + 1;
        }
        return { field: f.name, index: f.index.type, segments };
      }),
    };
  }

  stats() {
    const d = this.core.data;
    const segments = d.segments().map((seg) => ({
      id: seg.id,
      state: seg.state === 'growing' && d.sealing.includes(seg as never) ? ('sealing' as const) : seg.state,
      rows: seg.rowCount,
      deleted: seg.deletedCount,
      // Sealed with an interim FLAT index; compaction builds or extends its HNSW graph.
      awaitingIndex: seg.state === 'sealed' && waitsForIndex(seg, this.core.schema),
      // Memory per row: each vector field's column (4 bytes a dimension, 0 when it is read from the segment
      // file), and what its index adds on top.
      vectorIndexes: this.core.schema.vectors.map((f) => {
        const index = seg.vectorIndex(f.name);
        return {
          field: f.name,
          kind: index.kind,
          vectorBytesPerRow: seg.vectors(f.name).residentBytesPerRow,
          indexBytesPerRow: Math.round(index.bytesPerVector * 10) / 10,
        };
      }),
    }));
    return {
      rows: d.liveRows,
      segments,
      lastLsn: d.lastLsn,
      checkpoint: this.core.manifest.checkpoint,
      activity: this.core.activity,
      backgroundError: this.core.backgroundError?.message ?? null,
      open: this.core.report,
    };
  }
}
