/**
 * What one query node holds of one collection: the sealed segments assigned to it (from one manifest version)
 * plus every row written to the shared WAL after that manifest's checkpoint, in a growing segment. Every node
 * holds the same growing data; sealed segments are split between nodes. The proxy merges and de-duplicates.
 *
 * State changes in two ways:
 * - `apply(seq, entry)`: a WAL batch, as the follower delivers it. In cluster mode an insert of an existing key
 *   replaces that row (no node can check uniqueness across the cluster), so inserts apply as upserts.
 * - `moveTo(manifest, assigned)`: a new manifest version, or a new assignment. The node loads the segments it
 *   lacks while it goes on serving its current state, waits until it has applied the WAL up to the new
 *   checkpoint, and then swaps in one synchronous step (a search never sees half a move): the segments it
 *   serves, and a growing segment rebuilt from the WAL batches after the new checkpoint. Tombstones of segments
 *   held across a move are already right: they hold every delete applied, and the WAL is applied past the
 *   checkpoint.
 */

import { QuiverError } from '../errors.js';
import { CollectionData } from '../store/collection/collection-data.js';
import type { Manifest, SegmentEntry } from '../store/collection/manifest.js';
import { projectRow, resolveProjection } from '../store/collection/projection.js';
import { prepareQuery, prepareSearch, toScore } from '../store/collection/search.js';
import { prepareTextSearch } from '../store/collection/text-search.js';
import { compileFilter } from '../store/filter/index.js';
import type { PrimaryKey, WalEntry } from '../store/schema/batch.js';
import type { Row } from '../store/schema/types.js';
import { type ResolvedSchema, resolveSchema } from '../store/schema/validate-schema.js';
import { candidateRows } from '../store/segment/planner.js';
import type { SealedSegment } from '../store/segment/sealed-segment.js';
import type { Segment } from '../store/segment/segment.js';
import { decodeSegment, decodeTombstones } from '../store/segment/segment-codec.js';
import type { BM25GlobalStats } from '../store/text/bm25-score.js';
import type { ListsRequest, ViewInfo, WireList, WireStats } from './node-rpc.js';
import type { SegmentCache } from './segment-cache.js';

/** Growing segments get ids far above sealed ones, so tie-breaks between them stay stable. */
const GROWING_ID_BASE = 1_000_000_000;

/** Decodes one sealed segment with its tombstones, through the cache. */
export async function loadSegment(
  entry: SegmentEntry,
  cache: SegmentCache,
  schema: ResolvedSchema,
  locate: (key: string) => string,
): Promise<SealedSegment> {
  try {
    const tombstones = entry.tombstones
      ? await decodeTombstones(await cache.get(entry.tombstones), locate(entry.tombstones))
      : undefined;
    const bytes = await cache.get(entry.file);
    const localPath = cache.localPath(entry.file);
    return await decodeSegment(bytes, locate(entry.file), schema, { deleted: tombstones, localPath });
  } catch (err) {
    await cache.evict(entry.file);
    if (entry.tombstones) await cache.evict(entry.tombstones);
    throw err;
  }
}

/** Inserts replace existing keys in cluster mode (see the file comment). */
export function asClusterEntry(entry: WalEntry): WalEntry {
  return entry.op === 'insert' ? { op: 'upsert', batch: entry.batch } : entry;
}

export class CollectionView {
  readonly name: string;
  readonly schema: ResolvedSchema;
  manifest: Manifest;
  data: CollectionData;
  /** Sealed segments served, by id. */
  private served = new Map<number, SealedSegment>();
  /** WAL batches applied after the manifest's checkpoint, oldest first. */
  private entries: { seq: number; entry: WalEntry }[] = [];

  constructor(manifest: Manifest, segments: SealedSegment[]) {
    this.name = manifest.name;
    this.manifest = manifest;
    this.schema = resolveSchema(manifest.schema);
    this.data = this.build(manifest, segments, manifest.checkpoint);
    for (const s of segments) this.served.set(s.id, s);
  }

  get applied(): number {
    return this.data.lastLsn;
  }

  servedIds(): number[] {
    return [...this.served.keys()].sort((a, b) => a - b);
  }

  has(segment: number): boolean {
    return this.served.has(segment);
  }

  info(): ViewInfo {
    return {
      version: this.manifest.version,
      segments: this.manifest.segments.map((s) => s.id),
      served: this.servedIds(),
      applied: this.applied,
    };
  }

  apply(seq: number, entry: WalEntry): void {
    if (seq <= this.data.lastLsn) return;
    const e = asClusterEntry(entry);
    this.data.apply(e, seq);
    this.entries.push({ seq, entry: e });
  }

  /**
   * Swaps in a new manifest and served set. `loaded` holds the newly loaded segments; segments already served
   * and still assigned are kept. Call only once `applied >= manifest.checkpoint`.
   */
  swap(manifest: Manifest, assigned: Set<number>, loaded: SealedSegment[]): void {
    if (this.applied < manifest.checkpoint) {
      throw new QuiverError('INTERNAL', `view of "${this.name}" is behind the checkpoint it is moving to`);
    }
    const next = new Map<number, SealedSegment>();
    for (const s of loaded) next.set(s.id, s);
    for (const e of manifest.segments) {
      const held = this.served.get(e.id);
      if (assigned.has(e.id) && held && !next.has(e.id)) next.set(e.id, held);
    }
    const dropped = [...this.served.values()].filter((s) => next.get(s.id) !== s);
    const applied = this.applied;
    this.entries = this.entries.filter((x) => x.seq > manifest.checkpoint);
    this.data = this.build(manifest, [...next.values()], applied);
    this.manifest = manifest;
    this.served = next;
    for (const s of dropped) s.dispose();
  }

  private build(manifest: Manifest, segments: SealedSegment[], applied: number): CollectionData {
    const data = new CollectionData(this.schema, GROWING_ID_BASE + manifest.version, manifest.checkpoint);
    for (const s of [...segments].sort((a, b) => a.id - b.id)) {
      data.sealed.push(s);
      data.indexSegment(s);
    }
    for (const { seq, entry } of this.entries) if (seq > manifest.checkpoint && seq <= applied) data.apply(entry, seq);
    data.lastLsn = Math.max(applied, manifest.checkpoint);
    return data;
  }

  private checkPartitions = (partitions?: string[]): void => {
    for (const p of partitions ?? []) {
      if (!this.manifest.partitions.includes(p)) {
        throw new QuiverError('PARTITION_NOT_FOUND', `partition "${p}" does not exist in "${this.name}"`, {
          partition: p,
        });
      }
    }
  };

  /** BM25 statistics per field over the sealed segments served, and over the growing data apart. */
  stats(fields: { field: string; terms: string[] }[]): { sealed: WireStats[]; growing: WireStats[] } {
    const sum = (segments: Segment[], field: string, terms: string[]): WireStats => {
      const out: WireStats = { docCount: 0, totalLength: 0, df: {} };
      for (const t of terms) out.df[t] = 0;
      for (const s of segments) {
        const index = s.textIndex(field);
        if (!index) continue;
        out.docCount += index.docCount;
        out.totalLength += index.totalLength;
        for (const t of terms) out.df[t]! += index.docFreq(t);
      }
      return out;
    };
    const sealed = this.data.sealed;
    const growing = [...this.data.sealing, this.data.growing];
    return {
      sealed: fields.map((f) => sum(sealed, f.field, f.terms)),
      growing: fields.map((f) => sum(growing, f.field, f.terms)),
    };
  }

  /** Each sub-search's best `limit` rows, scores "higher is better". */
  lists(request: ListsRequest): WireList[] {
    const shared = {
      filter: request.filter,
      params: request.params,
      partitions: request.partitions,
      outputFields: [],
    };
    return request.subs.map((sub, i) => {
      if ('text' in sub && typeof sub.text === 'string') {
        const statsFor = (field: string): BM25GlobalStats | undefined => {
          const s = sub.stats?.[field];
          if (!s || s.docCount === 0) return undefined;
          return { docCount: s.docCount, avgLength: s.totalLength / s.docCount, docFreq: (t) => s.df[t] ?? 0 };
        };
        const p = prepareTextSearch(
          this.data,
          { ...shared, field: sub.field, k1: sub.k1, b: sub.b, boosts: sub.boosts },
          this.checkPartitions,
          statsFor,
        );
        const c = p.candidates(sub.text, request.limit);
        return { ids: c.map((x) => x.segment.pk(x.row)), scores: c.map((x) => x.score) };
      }
      if (!('vector' in sub)) {
        throw new QuiverError('INVALID_ARGUMENT', `subs[${i}] needs "vector" or "text"`);
      }
      const p = prepareSearch(
        this.data,
        { ...shared, field: sub.field, ef: sub.ef, exact: sub.exact },
        this.checkPartitions,
      );
      const metric = p.field.metric;
      const c = p.collect(prepareQuery(p.field, sub.vector), request.limit);
      return {
        ids: c.map((x) => x.segment.pk(x.row)),
        scores: c.map((x) => (metric === 'l2' ? -x.distance : toScore(metric, x.distance))),
      };
    });
  }

  /** Keys of up to `limit` live rows matching a filter (all rows without one), in storage order. */
  match(
    filter: string | undefined,
    params: Record<string, unknown> | undefined,
    partitions: string[] | undefined,
    limit: number,
  ): PrimaryKey[] {
    this.checkPartitions(partitions);
    const compiled = filter === undefined ? undefined : compileFilter(filter, this.schema, params);
    const out: PrimaryKey[] = [];
    for (const segment of this.data.segments()) {
      const rows = candidateRows(segment, compiled, partitions);
      const list = rows ? rows.toArray() : Array.from({ length: segment.rowCount }, (_, i) => i);
      for (const row of list) {
        if (!rows && segment.deleted.has(row)) continue;
        out.push(segment.pk(row));
        if (out.length >= limit) return out;
      }
    }
    return out;
  }

  /** The rows with these keys that this node holds, with their primary key. */
  rows(ids: PrimaryKey[], outputFields?: string[]): Row[] {
    const projection = resolveProjection(this.schema, outputFields);
    const out: Row[] = [];
    for (const id of ids) {
      const at = this.data.keys.get(id);
      if (at) out.push({ [this.schema.primary.name]: id, ...projectRow(at.segment, at.row, projection) });
    }
    return out;
  }

  dispose(): void {
    for (const s of this.served.values()) s.dispose();
    this.served.clear();
  }
}
