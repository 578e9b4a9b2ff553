/**
 * k-means for the IVF indexes: the coarse quantizer (nlist centroids over whole vectors) and product
 * quantization's codebooks (256 centroids per sub-vector). Plain Lloyd iterations over typed arrays, with the
 * unrolled kernels of distance.ts, seeded by k-means++ on the training rows, deterministic for a seed. An empty
 * cluster takes the training row farthest from its centroid, so every centroid stays in use.
 */

import { mulberry32 } from '../util/random.js';
import { dot, l2sq } from './distance.js';

export interface KMeansOptions {
  /** Lloyd iterations. Default 10. */
  iterations?: number;
  seed?: number;
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
  for (let c = 0; c < k; c++) norms[c] = dot(centroids, c * dim, centroids, c * dim, dim);
  for (let i = 0; i < n; i++) {
    let best = Number.POSITIVE_INFINITY;
    let label = 0;
    const off = i * dim;
    let c = 0;
    // Four centroids per pass over the row: each of its floats is loaded once for four dot products.
    for (; c + 3 < k; c += 4) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      const c0 = c * dim;
      for (let d = 0; d < dim; d++) {
        const x = data[off + d]!;
        s0 += x * centroids[c0 + d]!;
        s1 += x * centroids[c0 + dim + d]!;
        s2 += x * centroids[c0 + 2 * dim + d]!;
        s3 += x * centroids[c0 + 3 * dim + d]!;
      }
      const v0 = norms[c]! - 2 * s0;
      const v1 = norms[c + 1]! - 2 * s1;
      const v2 = norms[c + 2]! - 2 * s2;
      const v3 = norms[c + 3]! - 2 * s3;
      if (v0 < best) {
        best = v0;
        label = c;
      }
      if (v1 < best) {
        best = v1;
        label = c + 1;
      }
      if (v2 < best) {
        best = v2;
        label = c + 2;
      }
      if (v3 < best) {
        best = v3;
        label = c + 3;
      }
    }
    for (; c < k; c++) {
      const v = norms[c]! - 2 * dot(data, off, centroids, c * dim, dim);
      if (v < best) {
        best = v;
        label = c;
      }
    }
    labels[i] = label;
    distances[i] = Math.max(0, dot(data, off, data, off, dim) + best);
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
      const d = l2sq(data, i * dim, centroids, (c - 1) * dim, dim);
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
