/**
 * Trains and builds an IVF index over one segment's vectors: k-means for the coarse quantizer on a sample of
 * the rows, every row assigned to its nearest centroid, the lists laid out contiguously, then the codes (SQ8
 * ranges over all rows, or PQ codebooks trained on a sample of residuals). Deterministic for a seed.
 *
 * Sizes when the schema leaves them open: nlist = 4·√rows (Milvus's rule of thumb), nprobe = max(8, nlist/16),
 * PQ's m = dim/4 (4 dimensions per byte) or the largest divisor of dim below that.
 */

import { QuiverError } from '../../errors.js';
import type { Metric } from '../schema/types.js';
import { mulberry32 } from '../util/random.js';
import { IvfIndex, type IvfKind, type IvfParts } from './ivf-index.js';
import { assign, kmeans } from './kmeans.js';
import { encodePq, encodeSq8, trainPq, trainSq8 } from './quantizers.js';
import { MemoryColumn } from './vector-column.js';

export interface IvfBuildParams {
  kind: IvfKind;
  nlist?: number;
  nprobe?: number;
  m?: number;
  rerank?: number;
  seed?: number;
}

/** Coarse-quantizer training rows: enough per list, and bounded so training time stays bounded. */
const MAX_TRAIN = 50_000;
const MAX_PQ_TRAIN = 20_000;

export function defaultNlist(rows: number): number {
  return Math.max(1, Math.min(rows, Math.round(4 * Math.sqrt(rows))));
}

export function defaultPqM(dim: number): number {
  for (let m = Math.max(1, Math.floor(dim / 4)); m >= 1; m--) if (dim % m === 0) return m;
  return 1;
}

/** Up to `max` distinct rows, chosen by the seed, copied into one array. */
function sample(
  vectors: Float32Array,
  size: number,
  dim: number,
  max: number,
  seed: number,
): { data: Float32Array; n: number } {
  if (size <= max) return { data: vectors.subarray(0, size * dim), n: size };
  const random = mulberry32(seed);
  const picks = Uint32Array.from({ length: size }, (_, i) => i);
  for (let i = 0; i < max; i++) {
    const j = i + Math.floor(random() * (size - i));
    const t = picks[i]!;
    picks[i] = picks[j]!;
    picks[j] = t;
  }
  const data = new Float32Array(max * dim);
  for (let i = 0; i < max; i++) data.set(vectors.subarray(picks[i]! * dim, picks[i]! * dim + dim), i * dim);
  return { data, n: max };
}

export function buildIvfIndex(
  vectors: Float32Array,
  dim: number,
  metric: Metric,
  size: number,
  params: IvfBuildParams,
): IvfIndex {
  const seed = params.seed ?? 42;
  const nlist = size === 0 ? 1 : Math.max(1, Math.min(size, params.nlist ?? defaultNlist(size)));
  const nprobe = Math.min(nlist, params.nprobe ?? Math.max(8, Math.ceil(nlist / 16)));
  const rerank = params.kind === 'IVF_FLAT' ? 1 : Math.max(1, params.rerank ?? 4);
  const train = sample(vectors, size, dim, Math.min(MAX_TRAIN, Math.max(nlist * 64, 10_000)), seed);
  const centroids =
    size === 0 ? new Float32Array(dim) : kmeans(train.data, train.n, dim, nlist, { iterations: 10, seed });
  const { labels } = assign(vectors, size, dim, centroids, nlist);
  const offsets = new Uint32Array(nlist + 1);
  for (let i = 0; i < size; i++) offsets[labels[i]! + 1]!++;
  for (let c = 0; c < nlist; c++) offsets[c + 1]! += offsets[c]!;
  const rows = new Uint32Array(size);
  const fill = offsets.slice(0, nlist);
  for (let i = 0; i < size; i++) rows[fill[labels[i]!]!++] = i;
  const parts: IvfParts = {
    kind: params.kind,
    dim,
    metric,
    size,
    nlist,
    nprobe,
    rerank,
    centroids,
    offsets,
    rows,
    codes: new Uint8Array(0),
  };
  if (params.kind === 'IVF_SQ8') {
    const sq8 = trainSq8(vectors, size, dim);
    const codes = new Uint8Array(size * dim);
    for (let i = 0; i < size; i++) encodeSq8(sq8, vectors, rows[i]!, dim, codes, i * dim);
    parts.sq8 = sq8;
    parts.codes = codes;
  }
  if (params.kind === 'IVF_PQ') {
    const m = params.m ?? defaultPqM(dim);
    const residuals = (rowsOf: Uint32Array, count: number): Float32Array => {
      const out = new Float32Array(count * dim);
      for (let i = 0; i < count; i++) {
        const r = rowsOf[i]!;
        const c = labels[r]!;
        for (let d = 0; d < dim; d++) out[i * dim + d] = vectors[r * dim + d]! - centroids[c * dim + d]!;
      }
      return out;
    };
    const trainRows = Uint32Array.from({ length: size }, (_, i) => i);
    const random = mulberry32(seed + 7);
    const nTrain = Math.min(size, MAX_PQ_TRAIN);
    for (let i = 0; i < nTrain; i++) {
      const j = i + Math.floor(random() * (size - i));
      const t = trainRows[i]!;
      trainRows[i] = trainRows[j]!;
      trainRows[j] = t;
    }
    const pq = trainPq(residuals(trainRows, nTrain), nTrain, dim, m, seed);
    const all = residuals(rows, size);
    const codes = new Uint8Array(size * m);
    for (let i = 0; i < size; i++) encodePq(pq, all, i * dim, codes, i * m);
    parts.pq = pq;
    parts.codes = codes;
  }
  return new IvfIndex(parts, new MemoryColumn(vectors, dim, size));
}

/** Builds in a worker thread, so the event loop stays free; the result searches the caller's `vectors`. */
export async function buildIvfIndexInWorker(
  vectors: Float32Array,
  dim: number,
  metric: Metric,
  size: number,
  params: IvfBuildParams,
): Promise<IvfIndex> {
  const { startWorker } = await import('./start-worker.js');
  const { decodeIvf } = await import('./ivf-codec.js');
  const bytes = await new Promise<Uint8Array>((resolve, reject) => {
    const worker = startWorker('ivf-build-worker', { vectors, dim, metric, size, params });
    worker.once('message', (m: { ok: boolean; bytes?: Uint8Array; message?: string }) => {
      if (m.ok) resolve(m.bytes!);
      else reject(new QuiverError('INTERNAL', `IVF build failed: ${m.message}`));
    });
    worker.once('error', (err) => reject(new QuiverError('INTERNAL', `IVF build worker crashed: ${err.message}`)));
    worker.once('exit', (code) => {
      if (code !== 0) reject(new QuiverError('INTERNAL', `IVF build worker exited with code ${code}`));
    });
  });
  return new IvfIndex(decodeIvf(bytes, params.kind, dim, size), new MemoryColumn(vectors, dim, size));
}
