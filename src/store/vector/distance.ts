/**
 * Distance kernels over Float32Array slices, unrolled by four, allocation-free. Internal distances follow
 * hnswlib: lower is better; `1 - dot` for ip and cosine (cosine vectors are normalized on the way in, so
 * cosine uses the ip kernel), squared euclidean distance for l2.
 */

import type { Metric } from '../schema/types.js';

export function dot(a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < dim; i += 4) {
    s0 += a[aOff + i]! * b[bOff + i]!;
    s1 += a[aOff + i + 1]! * b[bOff + i + 1]!;
    s2 += a[aOff + i + 2]! * b[bOff + i + 2]!;
    s3 += a[aOff + i + 3]! * b[bOff + i + 3]!;
  }
  for (; i < dim; i++) s0 += a[aOff + i]! * b[bOff + i]!;
  return s0 + s1 + s2 + s3;
}

export function l2sq(a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < dim; i += 4) {
    const d0 = a[aOff + i]! - b[bOff + i]!;
    const d1 = a[aOff + i + 1]! - b[bOff + i + 1]!;
    const d2 = a[aOff + i + 2]! - b[bOff + i + 2]!;
    const d3 = a[aOff + i + 3]! - b[bOff + i + 3]!;
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
  }
  for (; i < dim; i++) {
    const d = a[aOff + i]! - b[bOff + i]!;
    s0 += d * d;
  }
  return s0 + s1 + s2 + s3;
}

/** Scales v[off..off+dim) to unit length in place; returns the original norm (0 leaves it untouched). */
export function normalizeInPlace(v: Float32Array, off: number, dim: number): number {
  const norm = Math.sqrt(dot(v, off, v, off, dim));
  if (norm === 0) return 0;
  const inv = 1 / norm;
  for (let i = 0; i < dim; i++) v[off + i]! *= inv;
  return norm;
}

export type DistanceFn = (a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number) => number;

const ipDistance: DistanceFn = (a, aOff, b, bOff, dim) => 1 - dot(a, aOff, b, bOff, dim);

/** The internal distance for a metric (lower is closer). */
export function distanceFor(metric: Metric): DistanceFn {
  return metric === 'l2' ? l2sq : ipDistance;
}
