/**
 * Turns a sealed segment into a section file and back: one section per column, per vector field's raw
 * floats, per ANN index and per scalar index, plus a JSON "meta" section. Decoding verifies every checksum
 * (section-file.ts) and cross-checks sizes against the schema, so a damaged or mismatched file fails loudly
 * with the file's name instead of answering queries wrongly.
 */

import { QuiverError } from '../../errors.js';
import { decodeScalarIndex, encodeScalarIndex } from '../scalar/scalar-codec.js';
import type { ScalarIndex } from '../scalar/scalar-index.js';
import type { ResolvedSchema } from '../schema/validate-schema.js';
import type { AnalyzerOptions } from '../text/analyzer-options.js';
import { decodeBM25, encodeBM25 } from '../text/bm25-codec.js';
import type { BM25Index } from '../text/bm25-index.js';
import { Bitset } from '../util/bitset.js';
import { loadVectorIndex } from '../vector/load-vector-index.js';
import type { VectorIndex, VectorIndexKind } from '../vector/vector-index.js';
import { decodeColumn, encodeColumn } from './column-codec.js';
import type { Column } from './columns.js';
import { SealedSegment } from './sealed-segment.js';
import { decodeSections, encodeSections } from './section-file.js';

interface SegmentMeta {
  id: number;
  rowCount: number;
  primaryKey: string;
  columns: string[];
  vectors: { name: string; dim: number; metric: string; index: VectorIndexKind }[];
  scalarIndexes: string[];
  /** Full-text fields with a `bm25:<name>` section (absent in files written before full-text search). */
  textIndexes?: string[];
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export async function encodeSegment(segment: SealedSegment, schema: ResolvedSchema): Promise<Uint8Array> {
  const sections = new Map<string, Uint8Array>();
  const meta: SegmentMeta = {
    id: segment.id,
    rowCount: segment.rowCount,
    primaryKey: segment.primaryKey,
    columns: segment.columnNames(),
    vectors: schema.vectors.map((f) => ({
      name: f.name,
      dim: f.dim,
      metric: f.metric,
      index: segment.vectorIndex(f.name).kind,
    })),
    scalarIndexes: segment.scalarIndexNames(),
    textIndexes: segment.textIndexNames(),
  };
  sections.set('meta', new TextEncoder().encode(JSON.stringify(meta)));
  for (const name of meta.columns) sections.set(`col:${name}`, encodeColumn(segment.column(name)!, segment.rowCount));
  for (const f of meta.vectors) {
    sections.set(`vec:${f.name}`, bytesOf(segment.vectors(f.name)));
    sections.set(`idx:${f.name}`, await segment.vectorIndex(f.name).serialize());
  }
  for (const name of meta.scalarIndexes) sections.set(`sidx:${name}`, encodeScalarIndex(segment.scalarIndex(name)!));
  for (const name of meta.textIndexes ?? []) sections.set(`bm25:${name}`, encodeBM25(segment.textIndex(name)!));
  return encodeSections(sections);
}

/** Decodes a segment file. `deleted` is the tombstone snapshot recorded for it, if any. */
export async function decodeSegment(
  bytes: Uint8Array,
  file: string,
  schema: ResolvedSchema,
  deleted?: Bitset,
): Promise<SealedSegment> {
  const sections = await decodeSections(bytes, file);
  const bad = (what: string): never => {
    throw new QuiverError('CORRUPT', `${file}: ${what}`, { file });
  };
  const section = (name: string) => sections.get(name) ?? bad(`missing section "${name}"`);
  let meta: SegmentMeta;
  try {
    meta = JSON.parse(new TextDecoder().decode(section('meta'))) as SegmentMeta;
  } catch {
    return bad('unreadable meta section');
  }
  const n = meta.rowCount;
  const columns = new Map<string, Column>();
  for (const name of meta.columns) columns.set(name, decodeColumn(section(`col:${name}`), n, file));
  const vectors = new Map<string, Float32Array>();
  const indexes = new Map<string, VectorIndex>();
  for (const f of schema.vectors) {
    const m = meta.vectors.find((v) => v.name === f.name);
    if (!m || m.dim !== f.dim || m.metric !== f.metric) bad(`vector field "${f.name}" does not match the schema`);
    const raw = section(`vec:${f.name}`);
    if (raw.length !== n * f.dim * 4) bad(`vector field "${f.name}" has the wrong size`);
    const data = float32View(raw);
    vectors.set(f.name, data);
    indexes.set(f.name, await loadVectorIndex(m!.index, section(`idx:${f.name}`), data, f.dim, f.metric, n));
  }
  const scalarIndexes = new Map<string, ScalarIndex>();
  for (const name of meta.scalarIndexes) {
    try {
      scalarIndexes.set(name, decodeScalarIndex(section(`sidx:${name}`)));
    } catch (err) {
      throw new QuiverError('CORRUPT', `${file}: scalar index "${name}" is damaged`, { file }, { cause: err });
    }
  }
  const textIndexes = new Map<string, BM25Index>();
  for (const t of schema.texts) {
    if (!(meta.textIndexes ?? []).includes(t.name)) bad(`no BM25 index for full-text field "${t.name}"`);
    let index: BM25Index;
    try {
      index = decodeBM25(section(`bm25:${t.name}`), t.analyzer.options as AnalyzerOptions);
    } catch (err) {
      if (err instanceof QuiverError && err.code === 'INCOMPATIBLE') throw err;
      throw new QuiverError('CORRUPT', `${file}: BM25 index "${t.name}" is damaged`, { file }, { cause: err });
    }
    if (index.rowCount !== n) bad(`BM25 index "${t.name}" covers ${index.rowCount} rows, the segment has ${n}`);
    textIndexes.set(t.name, index);
  }
  if (deleted && deleted.size !== n) bad(`tombstones cover ${deleted.size} rows, the segment has ${n}`);
  return new SealedSegment({
    id: meta.id,
    rowCount: n,
    primaryKey: meta.primaryKey,
    columns,
    vectors,
    indexes,
    scalarIndexes,
    textIndexes,
    deleted: deleted ?? new Bitset(n),
  });
}

/** A Float32Array over the bytes without copying when they are aligned (they are, in practice). */
function float32View(bytes: Uint8Array): Float32Array {
  if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return new Float32Array(bytes.slice().buffer);
}

/** Tombstone snapshots: the deleted bitset of one segment, in its own small checksummed file. */
export function encodeTombstones(deleted: Bitset): Promise<Uint8Array> {
  const head = new Uint8Array(4);
  new DataView(head.buffer).setUint32(0, deleted.size, true);
  return encodeSections(
    new Map([
      ['size', head],
      ['bits', bytesOf(deleted.words)],
    ]),
  );
}

export async function decodeTombstones(bytes: Uint8Array, file: string): Promise<Bitset> {
  const sections = await decodeSections(bytes, file);
  const head = sections.get('size');
  const bits = sections.get('bits');
  if (!head || !bits || head.length !== 4) throw new QuiverError('CORRUPT', `${file}: not a tombstone file`, { file });
  const size = new DataView(head.buffer, head.byteOffset, 4).getUint32(0, true);
  if (bits.length !== ((size + 31) >>> 5) * 4) throw new QuiverError('CORRUPT', `${file}: wrong bitset size`, { file });
  return new Bitset(size, new Uint32Array(bits.slice().buffer));
}
