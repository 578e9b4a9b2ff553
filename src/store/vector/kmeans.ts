/**
 * k-means for the IVF indexes: the coarse quantizer (nlist centroids over whole vectors) and product
 * quantization's codebooks (256 centroids per sub-vector). Plain Lloyd iterations over typed arrays, seeded by
 * k-means++ on the training rows, deterministic for a seed. An empty cluster takes the training row farthest from
 * its centroid, so every centroid stays in use.
 */

import { mulberry32 } from '../util/random.js';

export interface KMeansOptions {
  /** Lloyd iterations. Default 10. */
  iterations?: number;
  seed?: number;
}

/** Squared euclidean distance between row `i` of `a` and row `j` of `b`, over `dim` floats from `off`. */
function l2(a: Float32Array, ai: number, b: Float32Array, bi: number, dim: number): number {
  let s = 0;
  for (let d = 0; d < dim; d++) {
    const x = a[ai + d]! - b[bi + d]!;
    s += x * x;
  }
  return s;
}

/** The nearest of `k` centroids to each of `n` rows; also returns each row's distance to it. */
export function assign(
  data: Float32Array,
  n: number,
  dim: number,
  centroids: Float32Array,
  k: number,
): { labels: Uint32Array; distances: Float32Array } {
  const labels = new Uint32Array(n);
  const distances = new Float32Array(n);
  // ‖x − c‖² = ‖x‖² + ‖c‖² − 2·x·c: the nearest centroid minimizes ‖c‖² − 2·x·c, one dot product per pair.
  const norms = new Float32Array(k);
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += centroids[c * dim + d]! * centroids[c * dim + d]!;
    norms[c] = s;
  }
  for (let i = 0; i < n; i++) {
    let best = Number.POSITIVE_INFINITY;
    let label = 0;
    const off = i * dim;
    for (let c = 0; c < k; c++) {
      let dot = 0;
      const co = c * dim;
      for (let d = 0; d < dim; d++) dot += data[off + d]! * centroids[co + d]!;
      const v = norms[c]! - 2 * dot;
      if (v < best) {
        best = v;
        label = c;
      }
    }
    labels[i] = label;
    let xx = 0;
    for (let d = 0; d < dim; d++) xx += data[off + d]! * data[off + d]!;
    distances[i] = Math.max(0, xx + best);
  }
  return { labels, distances };
}

/** `k` centroids (row-major) of the `n` rows of `data`; k is cut to n when there are fewer rows. */
export function kmeans(
  data: Float32Array,
  n: number,
  dim: number,
  k: number,
  options: KMeansOptions = {},
): Float32Array {
  const kk = Math.max(1, Math.min(k, n));
  const centroids = new Float32Array(kk * dim);
  if (n === 0) return centroids;
  const random = mulberry32(options.seed ?? 1);
  // k-means++ seeding.
  const first = Math.floor(random() * n);
  centroids.set(data.subarray(first * dim, first * dim + dim), 0);
  const nearest = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  for (let c = 1; c < kk; c++) {
    let total = 0;
    for (let i = 0; i < n; i++) {
      const d = l2(data, i * dim, centroids, (c - 1) * dim, dim);
      if (d < nearest[i]!) nearest[i] = d;
      total += nearest[i]!;
    }
    let pick = n - 1;
    let target = random() * total;
    for (let i = 0; i < n; i++) {
      target -= nearest[i]!;
      if (target <= 0) {
        pick = i;
        break;
      }
    }
    centroids.set(data.subarray(pick * dim, pick * dim + dim), c * dim);
  }
  const sums = new Float64Array(kk * dim);
  const counts = new Uint32Array(kk);
  for (let it = 0; it < (options.iterations ?? 10); it++) {
    const { labels, distances } = assign(data, n, dim, centroids, kk);
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const c = labels[i]!;
      counts[c]!++;
      for (let d = 0; d < dim; d++) sums[c * dim + d]! += data[i * dim + d]!;
    }
    for (let c = 0; c < kk; c++) {
      if (counts[c] === 0) {
        // Re-seed an empty cluster with the row farthest from its centroid.
        let far = 0;
        for (let i = 1; i < n; i++) if (distances[i]! > distances[far]!) far = i;
        centroids.set(data.subarray(far * dim, far * dim + dim), c * dim);
        distances[far] = 0;
        continue;
      }
      for (let d = 0; d < dim; d++) centroids[c * dim + d] = sums[c * dim + d]! / counts[c]!;
    }
  }
  return centroids;
}
