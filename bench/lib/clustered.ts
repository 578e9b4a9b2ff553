/**
 * Seeded generator of clustered vectors for tests and benchmarks: Gaussian clusters around random centres
 * in [-1, 1]^dim. Each coordinate gets noise of standard deviation sigma/4, so at sigma 2 the noise (0.5)
 * is close to the spread of the centres themselves (0.58): overlapping clusters, the hard case for ANN.
 */

import { mulberry32 } from '../../src/store/util/random.js';

export { mulberry32 };

function gaussian(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

export interface ClusteredOptions {
  n: number;
  dim: number;
  clusters: number;
  /** Cluster spread: per-coordinate noise has standard deviation sigma / 4. */
  sigma: number;
  seed: number;
}

/** n row-major vectors; row i belongs to cluster i % clusters, shuffled by the seed. */
export function clusteredVectors(o: ClusteredOptions): Float32Array {
  const r = mulberry32(o.seed);
  const centres = new Float32Array(o.clusters * o.dim);
  for (let i = 0; i < centres.length; i++) centres[i] = r() * 2 - 1;
  const scale = o.sigma / 4;
  const out = new Float32Array(o.n * o.dim);
  for (let i = 0; i < o.n; i++) {
    const c = Math.floor(r() * o.clusters) * o.dim;
    for (let d = 0; d < o.dim; d++) out[i * o.dim + d] = centres[c + d]! + gaussian(r) * scale;
  }
  return out;
}
