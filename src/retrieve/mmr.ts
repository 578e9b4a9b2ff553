/**
 * Maximal marginal relevance (Carbonell & Goldstein, 1998): re-order candidates so that each next pick is
 * relevant to the query but unlike the ones already picked. Pure: it sees only relevance scores and the
 * candidates' vectors (compared by cosine), never the store or a model.
 *
 *   next = argmax over unpicked d of  λ · relevance(d) − (1 − λ) · max over picked s of cos(d, s)
 *
 * λ = 1 is the plain relevance order; λ = 0 picks for diversity alone (after the first pick).
 */

import { QuiverError } from '../errors.js';

export interface MmrCandidate {
  /** How relevant the candidate is to the query; higher is better (e.g. a cosine similarity in [0, 1]). */
  relevance: number;
  vector: ArrayLike<number>;
}

export interface MmrOptions {
  /** Weight of relevance against diversity, in [0, 1]. Default 0.5. */
  lambda?: number;
  /** Stop after this many picks. Default: order every candidate. */
  k?: number;
}

export const DEFAULT_MMR_LAMBDA = 0.5;

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

/** Cosine similarity; 0 when either vector is all zeros (it has no direction to compare). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) {
    throw new QuiverError('DIMENSION_MISMATCH', `cannot compare a ${a.length}-d vector with a ${b.length}-d one`, {
      expected: a.length,
      received: b.length,
    });
  }
  const na = norm(a);
  const nb = norm(b);
  if (na === 0 || nb === 0) return 0;
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot / (na * nb);
}

/**
 * The MMR order of `candidates`, as indexes into it. Ties go to the lower index, so candidates given
 * best-first keep their order whenever MMR has no reason to change it.
 *
 * @example
 * const order = mmr([{ relevance: 0.9, vector: a }, { relevance: 0.8, vector: a }, { relevance: 0.5, vector: b }]);
 * // [0, 2, 1]: the exact duplicate of the first pick drops behind the less relevant but different one
 */
export function mmr(candidates: readonly MmrCandidate[], options: MmrOptions = {}): number[] {
  const lambda = options.lambda ?? DEFAULT_MMR_LAMBDA;
  if (typeof lambda !== 'number' || !(lambda >= 0 && lambda <= 1)) {
    throw new QuiverError('INVALID_ARGUMENT', `mmr lambda must be a number in [0, 1]; got ${String(lambda)}`, {
      field: 'mmr.lambda',
    });
  }
  const want = Math.min(options.k ?? candidates.length, candidates.length);
  const picked: number[] = [];
  const taken = new Uint8Array(candidates.length);
  // Each candidate's highest similarity to anything picked so far, updated after every pick: O(n·k·dim).
  const maxSim = new Float64Array(candidates.length);
  while (picked.length < want) {
    let best = -1;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < candidates.length; i++) {
      if (taken[i]) continue;
      const redundancy = picked.length === 0 ? 0 : maxSim[i]!;
      const score = lambda * candidates[i]!.relevance - (1 - lambda) * redundancy;
      if (score > bestScore) {
        best = i;
        bestScore = score;
      }
    }
    if (best === -1) break; // only NaN scores are left
    taken[best] = 1;
    picked.push(best);
    const v = candidates[best]!.vector;
    for (let i = 0; i < candidates.length; i++) {
      if (taken[i]) continue;
      const s = cosine(candidates[i]!.vector, v);
      if (picked.length === 1 || s > maxSim[i]!) maxSim[i] = s;
    }
  }
  return picked;
}
