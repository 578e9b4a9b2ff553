/**
 * Turns the bytes a segment file stores for an index back into a VectorIndex, checking them against what
 * the segment expects: hnswlib's readIndex accepts a file of the wrong dimension silently, so the header is
 * validated first. FLAT scans its column, which must then be in memory; IVF re-ranks on it either way.
 */

import { unlink, writeFile } from 'node:fs/promises';
import { QuiverError } from '../../errors.js';
import type { Metric } from '../schema/types.js';
import { decodeFlatHeader, FlatIndex } from './flat-index.js';
import { HnswIndex, tempIndexPath } from './hnsw-index.js';
import { createNativeHnsw, readIndexHeader } from './hnsw-native.js';
import { decodeIvf } from './ivf-codec.js';
import { IvfIndex } from './ivf-index.js';
import type { VectorColumn } from './vector-column.js';
import type { VectorIndex, VectorIndexKind } from './vector-index.js';

export async function loadVectorIndex(
  kind: VectorIndexKind,
  bytes: Uint8Array,
  vectors: VectorColumn,
  dim: number,
  metric: Metric,
  size: number,
): Promise<VectorIndex> {
  if (vectors.rows !== size || vectors.dim !== dim) {
    throw new QuiverError(
      'CORRUPT',
      `vector column holds ${vectors.rows} × ${vectors.dim}, expected ${size} × ${dim}`,
      {
        expected: size * dim,
        received: vectors.rows * vectors.dim,
      },
    );
  }
  if (kind === 'FLAT') {
    const flat = decodeFlatHeader(bytes);
    if (!flat || flat.dim !== dim || flat.size !== size) {
      throw new QuiverError(
        'CORRUPT',
        `FLAT index holds ${flat?.size ?? '?'} × ${flat?.dim ?? '?'}-d, expected ${size} × ${dim}-d`,
        { expected: { size, dim }, received: flat },
      );
    }
    if (!vectors.resident) throw new QuiverError('INTERNAL', 'a FLAT index needs its vector column in memory');
    return new FlatIndex(vectors.resident, dim, metric, size);
  }
  if (kind === 'IVF_FLAT' || kind === 'IVF_SQ8' || kind === 'IVF_PQ') {
    return new IvfIndex(decodeIvf(bytes, kind, dim, size), vectors);
  }
  if (kind !== 'HNSW') throw new QuiverError('CORRUPT', `unknown vector index kind ${JSON.stringify(kind)}`);
  const header = readIndexHeader(bytes);
  if (!header || header.dim !== dim || header.elements !== size) {
    throw new QuiverError(
      'CORRUPT',
      `HNSW index holds ${header?.elements ?? '?'} × ${header?.dim ?? '?'}-d, expected ${size} × ${dim}-d`,
      { expected: { size, dim }, received: header },
    );
  }
  const path = tempIndexPath();
  try {
    await writeFile(path, bytes);
    const native = createNativeHnsw(metric, dim);
    await native.readIndex(path);
    if (native.getCurrentCount() !== size) throw new QuiverError('CORRUPT', 'HNSW index element count mismatch');
    return new HnswIndex(native, dim, metric, size, bytes.length);
  } finally {
    await unlink(path).catch(() => {});
  }
}
