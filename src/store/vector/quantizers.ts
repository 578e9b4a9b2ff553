/**
 * The codes of the quantized IVF indexes.
 *
 * - SQ8: each dimension is mapped linearly from its [min, max] over the segment onto 0..255, one byte per
 *   dimension. Distances are computed on the codes directly: for a query q, dot(q, x) ≈ Σ q_d·min_d +
 *   Σ (q_d·step_d)·code_d, and ‖q − x‖² ≈ Σ (q_d − min_d − step_d·code_d)².
 * - PQ: the vector (IVF_PQ encodes the residual from its list's centroid) is cut into `m` sub-vectors, each
 *   replaced by the index of the nearest of 256 centroids learned for that sub-space: `m` bytes per vector.
 *   A search builds an asymmetric distance table (the query's sub-vectors against every sub-centroid, m × 256
 *   entries), and a code's distance is the sum of m table entries.
 */

import { kmeans } from './kmeans.js';

export interface Sq8 {
  min: Float32Array;
  /** (max − min) / 255 per dimension (0 for a constant dimension). */
  step: Float32Array;
}

export function trainSq8(data: Float32Array, n: number, dim: number): Sq8 {
  const min = new Float32Array(dim).fill(Number.POSITIVE_INFINITY);
  const max = new Float32Array(dim).fill(Number.NEGATIVE_INFINITY);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dim; d++) {
      const x = data[i * dim + d]!;
      if (x < min[d]!) min[d] = x;
      if (x > max[d]!) max[d] = x;
    }
  }
  const step = new Float32Array(dim);
  for (let d = 0; d < dim; d++) {
    if (n === 0) min[d] = 0;
    step[d] = n === 0 ? 0 : (max[d]! - min[d]!) / 255;
  }
  return { min, step };
}

export function encodeSq8(sq: Sq8, data: Float32Array, row: number, dim: number, out: Uint8Array, at: number): void {
  for (let d = 0; d < dim; d++) {
    const s = sq.step[d]!;
    const code = s === 0 ? 0 : Math.round((data[row * dim + d]! - sq.min[d]!) / s);
    out[at + d] = Math.max(0, Math.min(255, code));
  }
}

/** A function scoring SQ8 codes against one query: 1 − dot (ip, cosine) or the squared distance (l2). */
export function sq8Scorer(sq: Sq8, l2: boolean, q: Float32Array): (codes: Uint8Array, at: number) => number {
  const dim = q.length;
  if (l2) {
    const a = new Float32Array(dim);
    for (let d = 0; d < dim; d++) a[d] = q[d]! - sq.min[d]!;
    const { step } = sq;
    return (codes, at) => {
      let s = 0;
      for (let d = 0; d < dim; d++) {
        const x = a[d]! - step[d]! * codes[at + d]!;
        s += x * x;
      }
      return s;
    };
  }
  let base = 0;
  const w = new Float32Array(dim);
  for (let d = 0; d < dim; d++) {
    base += q[d]! * sq.min[d]!;
    w[d] = q[d]! * sq.step[d]!;
  }
  return (codes, at) => {
    let s = base;
    for (let d = 0; d < dim; d++) s += w[d]! * codes[at + d]!;
    return 1 - s;
  };
}

export interface Pq {
  m: number;
  /** Dimensions per sub-vector. */
  dsub: number;
  /** Sub-centroids per sub-space (at most 256). */
  ksub: number;
  /** m × ksub × dsub floats. */
  codebooks: Float32Array;
}

/** Learns `m` codebooks of up to 256 centroids from `n` training vectors. */
export function trainPq(data: Float32Array, n: number, dim: number, m: number, seed: number): Pq {
  const dsub = dim / m;
  const ksub = Math.max(1, Math.min(256, n));
  const codebooks = new Float32Array(m * ksub * dsub);
  const sub = new Float32Array(n * dsub);
  for (let j = 0; j < m; j++) {
    for (let i = 0; i < n; i++) sub.set(data.subarray(i * dim + j * dsub, i * dim + (j + 1) * dsub), i * dsub);
    const c = kmeans(sub, n, dsub, ksub, { iterations: 8, seed: seed + j });
    codebooks.set(c, j * ksub * dsub);
  }
  return { m, dsub, ksub, codebooks };
}

/** Encodes `vec[at..at+dim)` into m bytes at `out[outAt..]`. */
export function encodePq(pq: Pq, vec: Float32Array, at: number, out: Uint8Array, outAt: number): void {
  const { m, dsub, ksub, codebooks } = pq;
  for (let j = 0; j < m; j++) {
    let best = Number.POSITIVE_INFINITY;
    let code = 0;
    for (let c = 0; c < ksub; c++) {
      let s = 0;
      const cb = (j * ksub + c) * dsub;
      for (let d = 0; d < dsub; d++) {
        const x = vec[at + j * dsub + d]! - codebooks[cb + d]!;
        s += x * x;
      }
      if (s < best) {
        best = s;
        code = c;
      }
    }
    out[outAt + j] = code;
  }
}

/**
 * The m × ksub table for one query vector `q` (a residual for l2): squared distances (l2) or dot products
 * (ip) of its sub-vectors with every sub-centroid.
 */
export function pqTable(pq: Pq, q: Float32Array, l2: boolean, out: Float32Array): Float32Array {
  const { m, dsub, ksub, codebooks } = pq;
  for (let j = 0; j < m; j++) {
    for (let c = 0; c < ksub; c++) {
      let s = 0;
      const cb = (j * ksub + c) * dsub;
      for (let d = 0; d < dsub; d++) {
        const x = q[j * dsub + d]!;
        const y = codebooks[cb + d]!;
        s += l2 ? (x - y) * (x - y) : x * y;
      }
      out[j * ksub + c] = s;
    }
  }
  return out;
}
