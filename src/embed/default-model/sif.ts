/**
 * The SIF sentence-embedding recipe (Arora et al., 2017), folded into a per-token table. A sentence vector
 * is the mean over its tokens of `P * a/(a + p(w)) * (v_w - mean)`, where p(w) is a Zipf estimate from the
 * word's frequency rank and P removes the first principal component. Centring, weighting and projecting are
 * linear, so they commute with averaging: baking them into each row lets plain mean pooling (plus L2
 * normalisation, which removes the overall scale) reproduce the recipe exactly.
 */

export interface SifParams {
  /** SIF smoothing constant `a` in a/(a + p(w)). */
  a: number;
  /** Zipf exponent s in p(rank) = (rank + 1)^-s / H(N, s). */
  zipfExponent: number;
  /** Leading principal components removed (0 or 1). */
  removeComponents: number;
}

export interface SifInput {
  /** Row-major [count, dim] word vectors. */
  vectors: Float32Array;
  dim: number;
  /** Each word's 0-based frequency rank. */
  ranks: Int32Array;
  /** Size of the vocabulary the ranks are drawn from (N in the Zipf estimate). */
  totalWords: number;
}

export interface SifTable {
  /** Row-major [count, dim]: the baked row of each input word, in input order. */
  rows: Float32Array;
  weights: Float64Array;
  mean: Float64Array;
  principalComponent: Float64Array | null;
}

/** p(rank) under Zipf's law over `total` ranks. */
export function zipfProbabilities(ranks: Int32Array, total: number, s: number): Float64Array {
  let harmonic = 0;
  for (let r = 1; r <= total; r++) harmonic += r ** -s;
  return Float64Array.from(ranks, (rank) => (rank + 1) ** -s / harmonic);
}

/** Top eigenvector of a symmetric positive semi-definite [dim, dim] matrix by power iteration, sign fixed. */
export function topEigenvector(matrix: Float64Array, dim: number): Float64Array {
  let v = new Float64Array(dim).fill(1 / Math.sqrt(dim));
  for (let iter = 0; iter < 2000; iter++) {
    const next = new Float64Array(dim);
    for (let i = 0; i < dim; i++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += matrix[i * dim + j]! * v[j]!;
      next[i] = s;
    }
    const norm = Math.hypot(...next);
    let change = 0;
    for (let i = 0; i < dim; i++) {
      next[i] = next[i]! / norm;
      change = Math.max(change, Math.abs(next[i]! - v[i]!));
    }
    v = next;
    if (change < 1e-13) break;
  }
  // An eigenvector's sign is arbitrary; make the largest entry positive so builds are reproducible.
  let largest = 0;
  for (let i = 1; i < dim; i++) if (Math.abs(v[i]!) > Math.abs(v[largest]!)) largest = i;
  if (v[largest]! < 0) for (let i = 0; i < dim; i++) v[i] = -v[i]!;
  return v;
}

export function buildSifTable(input: SifInput, params: SifParams): SifTable {
  const { vectors, dim, ranks } = input;
  const count = ranks.length;
  const mean = new Float64Array(dim);
  for (let w = 0; w < count; w++) for (let i = 0; i < dim; i++) mean[i] = mean[i]! + vectors[w * dim + i]!;
  for (let i = 0; i < dim; i++) mean[i] = mean[i]! / count;

  const p = zipfProbabilities(ranks, input.totalWords, params.zipfExponent);
  const weights = Float64Array.from(p, (pw) => params.a / (params.a + pw));

  const weighted = new Float64Array(count * dim);
  for (let w = 0; w < count; w++) {
    for (let i = 0; i < dim; i++) weighted[w * dim + i] = weights[w]! * (vectors[w * dim + i]! - mean[i]!);
  }

  let principalComponent: Float64Array | null = null;
  if (params.removeComponents > 0) {
    // The common direction of the weighted word rows: top eigenvector of sum_w r_w r_w^T.
    const gram = new Float64Array(dim * dim);
    for (let w = 0; w < count; w++) {
      const off = w * dim;
      for (let i = 0; i < dim; i++) {
        const ri = weighted[off + i]!;
        for (let j = i; j < dim; j++) gram[i * dim + j] = gram[i * dim + j]! + ri * weighted[off + j]!;
      }
    }
    for (let i = 0; i < dim; i++) for (let j = 0; j < i; j++) gram[i * dim + j] = gram[j * dim + i]!;
    const u = topEigenvector(gram, dim);
    principalComponent = u;
    for (let w = 0; w < count; w++) {
      const off = w * dim;
      let dot = 0;
      for (let i = 0; i < dim; i++) dot += weighted[off + i]! * u[i]!;
      for (let i = 0; i < dim; i++) weighted[off + i] = weighted[off + i]! - dot * u[i]!;
    }
  }
  return { rows: Float32Array.from(weighted), weights, mean, principalComponent };
}
