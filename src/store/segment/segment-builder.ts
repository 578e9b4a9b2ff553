/**
 * Builds a sealed segment from rows of existing segments: a frozen growing segment when sealing, or the
 * live rows of several sealed segments when compacting. Columns and vectors are gathered into fresh
 * exact-size arrays, HNSW graphs are built in a worker thread, and scalar indexes are built in slices
 * that yield to the event loop.
 *
 * Two shortcuts for HNSW fields (see index-target.ts): `interim` stores a FLAT index instead of building the
 * graph, and when the first source is a whole sealed HNSW segment (every row, tombstones kept), its graph is
 * extended with the other sources' rows instead of being rebuilt.
 */

import { buildScalarIndex } from '../scalar/build-scalar-index.js';
import type { ScalarIndex } from '../scalar/scalar-index.js';
import { DYNAMIC_FIELD } from '../schema/types.js';
import type { ResolvedSchema } from '../schema/validate-schema.js';
import { BM25Index } from '../text/bm25-index.js';
import { Bitset } from '../util/bitset.js';
import { FlatIndex } from '../vector/flat-index.js';
import { buildHnswIndex } from '../vector/hnsw-build.js';
import { buildIvfIndexInWorker } from '../vector/ivf-build.js';
import { MemoryColumn, type VectorColumn } from '../vector/vector-column.js';
import type { VectorIndex } from '../vector/vector-index.js';
import { type Column, columnValue } from './columns.js';
import { targetIndex } from './index-target.js';
import { SealedSegment } from './sealed-segment.js';
import { PARTITION_COLUMN, type Segment } from './segment.js';

export interface SegmentSource {
  segment: Segment;
  /** Row offsets to take, ascending. */
  rows: Uint32Array;
  /** Carry the source's tombstones for these rows into the new segment (sealing keeps every row). */
  keepTombstones: boolean;
}

const yieldNow = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Names of the columns a segment of `schema` holds, and the scalar index type each gets, if any. */
export function columnPlan(schema: ResolvedSchema): { name: string; indexType?: string; numeric: boolean }[] {
  const plan: { name: string; indexType?: string; numeric: boolean }[] = [
    { name: schema.primary.name, indexType: schema.primary.type, numeric: schema.primary.type === 'int' },
    { name: PARTITION_COLUMN, indexType: 'string', numeric: false },
  ];
  for (const f of schema.scalars) {
    const numeric = f.type === 'int' || f.type === 'float';
    plan.push(f.type === 'json' ? { name: f.name, numeric } : { name: f.name, indexType: f.type, numeric });
  }
  if (schema.dynamic) plan.push({ name: DYNAMIC_FIELD, numeric: false });
  return plan;
}

function gatherColumn(sources: SegmentSource[], name: string, numeric: boolean, total: number): Column {
  if (numeric) {
    const values = new Float64Array(total);
    const valid = new Bitset(total);
    let out = 0;
    for (const { segment, rows } of sources) {
      const col = segment.column(name)!;
      for (let i = 0; i < rows.length; i++, out++) {
        const v = columnValue(col, rows[i]!);
        if (v !== null) {
          values[out] = v as number;
          valid.add(out);
        }
      }
    }
    return { kind: 'number', values, valid };
  }
  const values: unknown[] = new Array(total);
  let out = 0;
  for (const { segment, rows } of sources) {
    const col = segment.column(name)!;
    for (let i = 0; i < rows.length; i++) values[out++] = columnValue(col, rows[i]!);
  }
  return { kind: 'value', values };
}

export interface BuildOptions {
  /** Seed for HNSW level generation, so builds are reproducible. */
  seed?: number;
  signal?: AbortSignal;
  /** Store FLAT where a field's target is HNSW; compaction builds the graph later. */
  interim?: boolean;
}

/** The serialized graph of field `field` when the first source can be extended rather than rebuilt. */
async function baseGraph(sources: SegmentSource[], field: string): Promise<Uint8Array | undefined> {
  const first = sources[0];
  if (first?.segment.state !== 'sealed' || sources.length < 2) return undefined;
  // Row i of the base must stay row i, dead rows included (they keep their tombstones).
  if (first.rows.length !== first.segment.rowCount) return undefined;
  if (first.segment.deletedCount > 0 && !first.keepTombstones) return undefined;
  const index = first.segment.vectorIndex(field);
  return index.kind === 'HNSW' ? index.serialize() : undefined;
}

export async function buildSealedSegment(
  schema: ResolvedSchema,
  id: number,
  sources: SegmentSource[],
  options: BuildOptions = {},
): Promise<SealedSegment> {
  const total = sources.reduce((n, s) => n + s.rows.length, 0);
  const columns = new Map<string, Column>();
  const scalarIndexes = new Map<string, ScalarIndex>();
  for (const { name, indexType, numeric } of columnPlan(schema)) {
    const column = gatherColumn(sources, name, numeric, total);
    columns.set(name, column);
    if (indexType) {
      const index = buildScalarIndex(indexType as Parameters<typeof buildScalarIndex>[0], column);
      if (index) scalarIndexes.set(name, index);
    }
    await yieldNow();
  }
  // BM25 over the gathered text column: a compaction rebuilds it from live rows only, so deleted rows leave
  // the statistics exactly when they leave the segment.
  const textIndexes = new Map<string, BM25Index>();
  for (const t of schema.texts) {
    const column = columns.get(t.name)!;
    const texts = column.kind === 'value' ? (column.values as (string | null)[]) : [];
    textIndexes.set(t.name, BM25Index.build(texts, t.analyzer));
    await yieldNow();
  }
  const deleted = new Bitset(total);
  let out = 0;
  for (const { segment, rows, keepTombstones } of sources) {
    if (keepTombstones) for (let i = 0; i < rows.length; i++) if (segment.deleted.has(rows[i]!)) deleted.add(out + i);
    out += rows.length;
  }
  const vectors = new Map<string, VectorColumn>();
  const indexes = new Map<string, VectorIndex>();
  for (const f of schema.vectors) {
    const data = new Float32Array(total * f.dim);
    let at = 0;
    for (const { segment, rows } of sources) {
      const src = segment.vectors(f.name);
      if (src.resident) for (let i = 0; i < rows.length; i++) src.read(rows[i]!, data, (at + i) * f.dim);
      else data.set(src.gather(rows), at * f.dim);
      at += rows.length;
    }
    vectors.set(f.name, new MemoryColumn(data, f.dim, total));
    const ix = targetIndex(f, total);
    const index: VectorIndex =
      ix.type === 'HNSW' && !options.interim
        ? await buildHnswIndex(
            data,
            f.dim,
            f.metric,
            { M: ix.M, efConstruction: ix.efConstruction, seed: options.seed ?? id },
            { signal: options.signal, base: await baseGraph(sources, f.name) },
          )
        : ix.type === 'FLAT' || ix.type === 'HNSW'
          ? new FlatIndex(data, f.dim, f.metric, total)
          : await buildIvfIndexInWorker(data, f.dim, f.metric, total, {
              kind: ix.type,
              nlist: ix.nlist,
              nprobe: ix.nprobe,
              m: ix.m,
              rerank: ix.rerank,
              seed: options.seed ?? id,
            });
    indexes.set(f.name, index);
  }
  return new SealedSegment({
    id,
    rowCount: total,
    primaryKey: schema.primary.name,
    columns,
    vectors,
    indexes,
    scalarIndexes,
    textIndexes,
    deleted,
  });
}
