/**
 * Turns a sealed segment into a section file and back: one section per column, per vector field's raw
 * floats, per ANN index and per scalar index, plus a JSON "meta" section. Decoding verifies every checksum
 * (section-file.ts) and cross-checks sizes against the schema, so a damaged or mismatched file fails loudly
 * with the file's name instead of answering queries wrongly.
 *
 * Decoding copies what it keeps, so the file image can be freed once the segment is open. A field with a
 * quantized IVF index keeps its full vectors in the file instead (read by row, vector-column.ts), when the
 * file has a local path: memory then holds its codes alone.
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
import { FileColumn, MemoryColumn, type VectorColumn } from '../vector/vector-column.js';
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
    const column = segment.vectors(f.name);
    const all = column.resident?.subarray(0, segment.rowCount * f.dim) ?? column.gather(rowRange(segment.rowCount));
    sections.set(`vec:${f.name}`, bytesOf(all));
    sections.set(`idx:${f.name}`, await segment.vectorIndex(f.name).serialize());
  }
  for (const name of meta.scalarIndexes) sections.set(`sidx:${name}`, encodeScalarIndex(segment.scalarIndex(name)!));
  for (const name of meta.textIndexes ?? []) sections.set(`bm25:${name}`, encodeBM25(segment.textIndex(name)!));
  return encodeSections(sections);
}

const rowRange = (n: number) => Uint32Array.from({ length: n }, (_, i) => i);

/** Index kinds that search codes and read full vectors only by row, so their column can stay in the file. */
const ON_DISK_KINDS: ReadonlySet<VectorIndexKind> = new Set(['IVF_SQ8', 'IVF_PQ']);

export interface DecodeOptions {
  /** The tombstone snapshot recorded for the segment, if any. */
  deleted?: Bitset;
  /** Where the file lies on local disk, if it does: quantized fields then read their vectors from it. */
  localPath?: string;
}

/** Decodes a segment file. */
export async function decodeSegment(
  bytes: Uint8Array,
  file: string,
  schema: ResolvedSchema,
  options: DecodeOptions = {},
): Promise<SealedSegment> {
  const { deleted, localPath } = options;
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
  const vectors = new Map<string, VectorColumn>();
  const indexes = new Map<string, VectorIndex>();
  try {
    for (const f of schema.vectors) {
      const m = meta.vectors.find((v) => v.name === f.name);
      if (!m || m.dim !== f.dim || m.metric !== f.metric) bad(`vector field "${f.name}" does not match the schema`);
      const raw = section(`vec:${f.name}`);
      if (raw.length !== n * f.dim * 4) bad(`vector field "${f.name}" has the wrong size`);
      const column =
        localPath && ON_DISK_KINDS.has(m!.index)
          ? new FileColumn(localPath, raw.byteOffset - bytes.byteOffset, f.dim, n)
          : new MemoryColumn(new Float32Array(raw.slice().buffer), f.dim, n);
      vectors.set(f.name, column);
      indexes.set(f.name, await loadVectorIndex(m!.index, section(`idx:${f.name}`), column, f.dim, f.metric, n));
    }
  } catch (err) {
    for (const column of vectors.values()) column.close();
    for (const index of indexes.values()) index.dispose();
    throw err;
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

/**
 * Once `bytes` (the encoding of `segment`) lie at `localPath`, the same segment with its quantized fields'
 * vectors read from that file, so a freshly built segment frees them as a reopened one would. Others come
 * back as they are.
 */
export async function moveVectorsToFile(
  segment: SealedSegment,
  bytes: Uint8Array,
  file: string,
  localPath: string | undefined,
  schema: ResolvedSchema,
): Promise<SealedSegment> {
  if (!localPath || !schema.vectors.some((f) => ON_DISK_KINDS.has(segment.vectorIndex(f.name).kind))) return segment;
  const reopened = await decodeSegment(bytes, file, schema, { deleted: segment.deleted.clone(), localPath });
  segment.dispose();
  return reopened;
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
