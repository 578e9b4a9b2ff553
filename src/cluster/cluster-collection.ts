/**
 * A collection as a cluster proxy serves it: the same calls as the embedded Collection for writes and searches,
 * carried out over the shared WAL and the query nodes.
 *
 * Writes go through ClusterWriter (cluster-writer.ts): validated here, appended to the shared WAL, resolved once
 * durable. An insert of a key that already exists replaces the row, as an upsert does: no single node can check
 * uniqueness across the cluster (Milvus does not either).
 *
 * Reads fan out to every query node (fan-out.ts) and are merged here. BM25 scores use collection-wide
 * statistics, gathered from the nodes first, so a row scores as it would in one embedded store. Hybrid search
 * merges each sub-search's lists across nodes and then fuses them with the same fusion code as embedded mode.
 *
 * Consistency, per request (Milvus's levels): `strong` waits until the nodes have applied everything committed
 * before the request; `bounded` (the default) everything committed more than `stalenessMs` ago; `session`
 * everything this proxy wrote; `eventually` nothing.
 */

import { QuiverError } from '../errors.js';
import type { DeleteRequest, QueryOptions, WriteOptions, WriteResult } from '../store/collection/collection.js';
import type { CollectionApi, CollectionDescription } from '../store/collection/collection-api.js';
import {
  defaultFusion,
  type HybridHit,
  type HybridResult,
  type HybridSearchOptions,
  type TextSubSearch,
  type VectorSubSearch,
  withAnchor,
} from '../store/collection/hybrid-search.js';
import type { Manifest } from '../store/collection/manifest.js';
import {
  type ConsistencyLevel,
  MAX_TOPK,
  pickVectorField,
  type SearchOptions,
  type SearchResult,
} from '../store/collection/search.js';
import { pickTextField, type TextSearchOptions } from '../store/collection/text-search.js';
import { fuse } from '../store/fusion/fuse.js';
import type { PrimaryKey } from '../store/schema/batch.js';
import type { Row } from '../store/schema/types.js';
import type { BatchLimits } from '../store/schema/validate-rows.js';
import { type ResolvedSchema, resolveSchema } from '../store/schema/validate-schema.js';
import type { MetaStore } from '../store/storage/meta-store.js';
import type { ObjectStore } from '../store/storage/object-store.js';
import { ClusterWriter } from './cluster-writer.js';
import { fanOut, mergeLists, type NodeDirectory } from './fan-out.js';
import type { ListsReply, MatchReply, RowsReply, StatsReply, WireStats, WireSubSearch } from './node-rpc.js';

export interface ClusterCollectionDeps {
  meta: MetaStore;
  objects: ObjectStore;
  directory: NodeDirectory;
  /** Deadline of one read, waiting and retries included. */
  deadlineMs: number;
  /** `bounded` consistency's staleness bound. */
  stalenessMs: number;
  batchLimits?: BatchLimits;
}

type Consistency = { consistency?: ConsistencyLevel };

export class ClusterCollection implements CollectionApi {
  readonly name: string;
  readonly schema: ResolvedSchema;
  readonly manifest: Manifest;
  readonly #writer: ClusterWriter;
  readonly #d: ClusterCollectionDeps;
  /** The committed sequence as last read, and when (bounded consistency). */
  #committed = { seq: 0, at: 0 };

  constructor(manifest: Manifest, deps: ClusterCollectionDeps) {
    this.name = manifest.name;
    this.manifest = manifest;
    this.schema = resolveSchema(manifest.schema);
    this.#d = deps;
    this.#writer = new ClusterWriter(this.schema, manifest, deps);
  }

  // ---- writes -----------------------------------------------------------------------------------------

  async insert(rows: Row[], options?: WriteOptions): Promise<WriteResult> {
    return this.#writer.writeRows('insert', rows, options);
  }

  async upsert(rows: Row[], options?: WriteOptions): Promise<WriteResult> {
    if (this.schema.primary.autoId) {
      throw new QuiverError(
        'INVALID_ARGUMENT',
        `"${this.name}" assigns ids automatically; upsert needs caller-given keys`,
      );
    }
    return this.#writer.writeRows('upsert', rows, options);
  }

  /**
   * Deletes by keys, or by filter (the matching keys are collected from the nodes first). Resolves with the
   * number of distinct keys deleted or named, as Milvus counts: a named key that did not exist is counted.
   */
  async delete(request: DeleteRequest & Consistency): Promise<{ deleted: number }> {
    if (!request || (request.ids === undefined && request.filter === undefined)) {
      throw new QuiverError('INVALID_ARGUMENT', 'delete needs "ids" or "filter"');
    }
    const pks = new Set<PrimaryKey>();
    if (request.ids !== undefined) {
      if (!Array.isArray(request.ids)) throw new QuiverError('INVALID_ARGUMENT', 'ids must be an array');
      // Keys go into the WAL as given: deleting a missing key changes nothing, and a delete by keys needs no
      // query node. Only a partition restriction has to look the keys up.
      const inPartitions = request.partitions
        ? new Set(await this.#match(undefined, undefined, request.partitions, 'strong'))
        : undefined;
      for (const id of request.ids) if (!inPartitions || inPartitions.has(id)) pks.add(id);
    }
    if (request.filter !== undefined) {
      for (const id of await this.#match(request.filter, request.params, request.partitions, 'strong')) pks.add(id);
    }
    if (pks.size === 0) return { deleted: 0 };
    await this.#writer.append({ op: 'delete', pks: [...pks] });
    return { deleted: pks.size };
  }

  // ---- reads ------------------------------------------------------------------------------------------

  /** The WAL sequence the nodes must have applied before answering at this consistency level. */
  async #minSeq(level: ConsistencyLevel | undefined): Promise<number> {
    switch (level ?? 'bounded') {
      case 'strong':
        return this.#writer.wal.committed();
      case 'session':
        return this.#writer.written;
      case 'eventually':
        return 0;
      case 'bounded': {
        if (Date.now() - this.#committed.at > this.#d.stalenessMs) {
          const at = Date.now();
          this.#committed = { seq: await this.#writer.wal.committed(), at };
        }
        return this.#committed.seq;
      }
      default:
        throw new QuiverError('INVALID_ARGUMENT', `consistency must be strong, bounded, session or eventually`);
    }
  }

  async #scope(level: ConsistencyLevel | undefined) {
    const deadline = Date.now() + this.#d.deadlineMs;
    return { deadline, base: { collection: this.name, minSeq: await this.#minSeq(level), waitMs: this.#d.deadlineMs } };
  }

  async #match(
    filter: string | undefined,
    params: Record<string, unknown> | undefined,
    partitions: string[] | undefined,
    level: ConsistencyLevel,
    limit = Number.MAX_SAFE_INTEGER,
  ): Promise<PrimaryKey[]> {
    const { deadline, base } = await this.#scope(level);
    const replies = await fanOut<MatchReply>(
      this.#d.directory,
      '/internal/match',
      { ...base, filter, params, partitions, limit },
      deadline,
    );
    return [...new Set(replies.flatMap((r) => r.ids))];
  }

  /** Rows with these keys, in the order given; missing keys are skipped. */
  async get(ids: PrimaryKey[], options: { outputFields?: string[] } & Consistency = {}): Promise<Row[]> {
    if (!Array.isArray(ids)) throw new QuiverError('INVALID_ARGUMENT', 'ids must be an array');
    const { deadline, base } = await this.#scope(options.consistency);
    return this.#rows(ids, options.outputFields, base, deadline);
  }

  async #rows(ids: PrimaryKey[], outputFields: string[] | undefined, base: object, deadline: number): Promise<Row[]> {
    if (ids.length === 0) return [];
    const replies = await fanOut<RowsReply>(
      this.#d.directory,
      '/internal/rows',
      { ...base, ids, outputFields },
      deadline,
    );
    const pk = this.schema.primary.name;
    const byId = new Map<PrimaryKey, Row>();
    for (const r of replies) for (const row of r.rows) byId.set(row[pk] as PrimaryKey, row);
    return ids.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
  }

  /** Rows matching a filter (the nodes' storage order, not the embedded store's), with limit and offset. */
  async query(options: QueryOptions = {}): Promise<Row[]> {
    const limit = options.limit ?? MAX_TOPK;
    const offset = options.offset ?? 0;
    if (!Number.isInteger(limit) || limit < 0 || !Number.isInteger(offset) || offset < 0 || limit + offset > MAX_TOPK) {
      throw new QuiverError(
        'INVALID_ARGUMENT',
        `limit and offset must be integers ≥ 0 with limit + offset ≤ ${MAX_TOPK}`,
      );
    }
    const level = options.consistency ?? 'bounded';
    const ids = (await this.#match(options.filter, options.params, options.partitions, level, limit + offset)).slice(
      offset,
      offset + limit,
    );
    const { deadline, base } = await this.#scope(level);
    return this.#rows(ids, options.outputFields, base, deadline);
  }

  /** Every row matching a filter, in batches: the keys are collected first, then the rows fetched batch by batch. */
  async *iterate(options: Omit<QueryOptions, 'limit' | 'offset'> & { batchSize?: number } = {}): AsyncGenerator<Row[]> {
    const batchSize = options.batchSize ?? 1000;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_TOPK) {
      throw new QuiverError('INVALID_ARGUMENT', `batchSize must be an integer in [1, ${MAX_TOPK}]`);
    }
    const level = options.consistency ?? 'bounded';
    const ids = await this.#match(options.filter, options.params, options.partitions, level);
    for (let i = 0; i < ids.length; i += batchSize) {
      const { deadline, base } = await this.#scope('eventually');
      const rows = await this.#rows(ids.slice(i, i + batchSize), options.outputFields, base, deadline);
      if (rows.length > 0) yield rows;
    }
  }

  /** Number of live rows, optionally only those matching a filter or in some partitions. */
  async count(
    options: { filter?: string; params?: Record<string, unknown>; partitions?: string[] } & Consistency = {},
  ) {
    return (await this.#match(options.filter, options.params, options.partitions, options.consistency ?? 'bounded'))
      .length;
  }

  /** Vector search, or BM25 search given `text`, as Collection.search. */
  async search(
    request: (SearchOptions & { vector: ArrayLike<number> }) | (TextSearchOptions & { text: string } & Consistency),
  ): Promise<SearchResult> {
    const r = request as Partial<SearchOptions & TextSearchOptions & { vector: ArrayLike<number>; text: string }>;
    if (r.radius !== undefined || r.rangeFilter !== undefined || r.explain) {
      throw new QuiverError('INVALID_ARGUMENT', 'range search and explain are not available in cluster mode yet');
    }
    const k = r.k ?? 10;
    const offset = r.offset ?? 0;
    if (!Number.isInteger(k) || k < 1 || !Number.isInteger(offset) || offset < 0 || k + offset > MAX_TOPK) {
      throw new QuiverError('INVALID_ARGUMENT', `k ≥ 1 and offset ≥ 0 must be integers with k + offset ≤ ${MAX_TOPK}`);
    }
    const sub = (
      r.text !== undefined
        ? { text: r.text, field: r.field, k1: r.k1, b: r.b, boosts: r.boosts }
        : {
            vector: r.vector,
            field: r.field,
            ef: r.ef,
            exact: r.exact,
          }
    ) as VectorSubSearch | TextSubSearch;
    const { deadline, base } = await this.#scope(r.consistency);
    const [list] = await this.#lists([sub], k + offset, r, base, deadline);
    const l2 = r.text === undefined && pickVectorField(this.schema, r.field).metric === 'l2';
    const keys = list!.keys.slice(offset);
    const rows = await this.#rows(keys, r.outputFields, base, deadline);
    const pk = this.schema.primary.name;
    const byId = new Map(rows.map((row) => [row[pk] as PrimaryKey, row]));
    return {
      hits: keys.map((id, i) => {
        const { [pk]: _, ...fields } = byId.get(id) ?? {};
        return { id, score: l2 ? -list!.scores[offset + i]! : list!.scores[offset + i]!, fields };
      }),
    };
  }

  /** Several vector queries, answered one after another (each at the request's consistency level). */
  async searchBatch(request: SearchOptions & { vectors: ArrayLike<number>[] }): Promise<SearchResult[]> {
    if (!Array.isArray(request?.vectors) || request.vectors.length === 0) {
      throw new QuiverError('INVALID_ARGUMENT', 'vectors must be a non-empty array of query vectors');
    }
    const { vectors, ...options } = request;
    const out: SearchResult[] = [];
    for (const vector of vectors) out.push(await this.search({ ...options, vector }));
    return out;
  }

  /** Dense and BM25 sub-searches fused into one ranking, as Collection.hybridSearch. */
  async hybridSearch(options: HybridSearchOptions & Consistency): Promise<HybridResult> {
    const { requests } = options ?? {};
    if (!Array.isArray(requests) || requests.length === 0 || requests.length > 8) {
      throw new QuiverError('INVALID_ARGUMENT', 'requests must hold 1 to 8 sub-searches', { field: 'requests' });
    }
    const k = options.k ?? 10;
    const offset = options.offset ?? 0;
    const limit = options.limit ?? Math.max(100, k + offset);
    const { deadline, base } = await this.#scope(options.consistency);
    const lists = await this.#lists(requests, limit, options, base, deadline);
    const spec = options.fusion === undefined ? defaultFusion(requests) : withAnchor(options.fusion, requests);
    const fused = fuse(lists, spec, k + offset).slice(offset);
    const rows = await this.#rows(
      fused.map((h) => h.key),
      options.outputFields,
      base,
      deadline,
    );
    const pk = this.schema.primary.name;
    const byId = new Map(rows.map((row) => [row[pk] as PrimaryKey, row]));
    const l2 = requests.map((s) => 'vector' in s && pickVectorField(this.schema, s.field).metric === 'l2');
    return {
      hits: fused.map((h): HybridHit => {
        const { [pk]: _, ...fields } = byId.get(h.key) ?? {};
        return { id: h.key, score: h.score, scores: h.scores.map((s, i) => (s !== null && l2[i] ? -s : s)), fields };
      }),
    };
  }

  /** Each sub-search's best `limit` rows across the cluster, with BM25 scored on collection-wide statistics. */
  async #lists(
    subs: readonly (VectorSubSearch | TextSubSearch)[],
    limit: number,
    shared: { filter?: string; params?: Record<string, unknown>; partitions?: string[] },
    base: object,
    deadline: number,
  ): Promise<{ keys: PrimaryKey[]; scores: number[] }[]> {
    const wire: WireSubSearch[] = [];
    const statsFields = new Map<string, Set<string>>();
    const textFields = subs.map((s, i) => {
      const t = s as Partial<TextSubSearch & VectorSubSearch>;
      if (t === null || typeof t !== 'object' || (t.text === undefined) === (t.vector === undefined)) {
        throw new QuiverError('INVALID_ARGUMENT', `requests[${i}] needs exactly one of "vector" or "text"`);
      }
      if (t.text === undefined) return [];
      if (typeof t.text !== 'string')
        throw new QuiverError('INVALID_ARGUMENT', 'text must be a string', { field: 'text' });
      const fields = [
        pickTextField(this.schema, t.field),
        ...Object.keys(t.boosts ?? {}).map((f) => pickTextField(this.schema, f)),
      ];
      for (const f of fields) {
        const terms = statsFields.get(f.name) ?? new Set<string>();
        for (const term of f.analyzer.analyze(t.text)) terms.add(term);
        statsFields.set(f.name, terms);
      }
      return fields.map((f) => f.name);
    });
    let stats = new Map<string, WireStats>();
    if (statsFields.size > 0) stats = await this.#stats(statsFields, base, deadline);
    for (const [i, s] of subs.entries()) {
      if ('text' in s && s.text !== undefined) {
        wire.push({ ...s, stats: Object.fromEntries(textFields[i]!.map((f) => [f, stats.get(f)!])) });
      } else {
        const v = s as VectorSubSearch;
        wire.push({ vector: Array.from(v.vector as ArrayLike<number>), field: v.field, ef: v.ef, exact: v.exact });
      }
    }
    const body = {
      ...base,
      subs: wire,
      limit,
      filter: shared.filter,
      params: shared.params,
      partitions: shared.partitions,
    };
    const replies = await fanOut<ListsReply>(this.#d.directory, '/internal/lists', body, deadline);
    return wire.map((_, i) =>
      mergeLists(
        replies.map((r) => r.lists[i]!),
        limit,
      ),
    );
  }

  /** Collection-wide BM25 statistics: every node's sealed share, plus the growing data once. */
  async #stats(fields: Map<string, Set<string>>, base: object, deadline: number): Promise<Map<string, WireStats>> {
    const request = [...fields].map(([field, terms]) => ({ field, terms: [...terms] }));
    const replies = await fanOut<StatsReply>(
      this.#d.directory,
      '/internal/stats',
      { ...base, fields: request },
      deadline,
    );
    const newest = replies.reduce((a, b) => (b.view.applied > a.view.applied ? b : a));
    const out = new Map<string, WireStats>();
    request.forEach(({ field, terms }, i) => {
      const sum: WireStats = { docCount: 0, totalLength: 0, df: Object.fromEntries(terms.map((t) => [t, 0])) };
      for (const part of [...replies.map((r) => r.sealed[i]!), newest.growing[i]!]) {
        sum.docCount += part.docCount;
        sum.totalLength += part.totalLength;
        for (const t of terms) sum.df[t]! += part.df[t] ?? 0;
      }
      out.set(field, sum);
    });
    return out;
  }

  describe(): CollectionDescription {
    const s = this.schema;
    return {
      name: this.name,
      fields: s.fields,
      dynamic: s.dynamic,
      description: s.description,
      properties: s.properties,
      partitionKey: s.partitionKey ?? null,
      partitions: [...this.manifest.partitions],
      createdAt: this.manifest.createdAt,
    };
  }
}
