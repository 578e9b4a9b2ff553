/**
 * `fuse`: the one entry point that merges ranked lists (one per sub-search) into one ranking by a
 * `FusionSpec`. It validates the spec and the lists, drops repeated keys within a list (the first, best
 * occurrence counts), asks the chosen method for each entry's contribution, sums contributions per key, and
 * ranks. Pure: no I/O, no state.
 *
 * A list whose (effective) weight is 0 contributes nothing, not even candidates or tie-breaks: its keys
 * appear only when a list of weight > 0 returned them too, so weights [1, 0] give exactly list 0's ranking.
 *
 * Ties are broken by first appearance: keys are met rank by rank across the lists of weight > 0 (every
 * list's rank 1 in list order, then every list's rank 2, ...), and of two keys with equal fused scores the
 * one met first ranks first. So the result never depends on Map or sort internals.
 */

import { QuiverError } from '../../errors.js';
import { adaptiveWeights, DEFAULT_ADAPTIVE_DEPTH, defaultAdaptiveWeights } from './adaptive.js';
import { NORMALIZATIONS } from './normalize.js';
import { DEFAULT_RRF_K, rrfContributions } from './rrf.js';
import type { FusedHit, FusionSpec, RankedList } from './types.js';
import { DEFAULT_NORMALIZATION, weightedContributions } from './weighted.js';

function invalid(field: string, message: string, received?: unknown): never {
  throw new QuiverError('INVALID_ARGUMENT', `fusion: ${message}`, { field, received });
}

function checkLists<K>(lists: unknown): asserts lists is RankedList<K>[] {
  if (!Array.isArray(lists) || lists.length === 0) invalid('lists', 'needs at least one ranked list');
  lists.forEach((list: Partial<RankedList<K>> | null, i) => {
    if (list === null || typeof list !== 'object' || !Array.isArray(list.keys) || !Array.isArray(list.scores)) {
      invalid('lists', `lists[${i}] must have "keys" and "scores" arrays`);
    }
    if (list.keys.length !== list.scores.length) {
      invalid('lists', `lists[${i}] has ${list.keys.length} keys but ${list.scores.length} scores`);
    }
    if (!list.scores.every((s) => typeof s === 'number' && Number.isFinite(s))) {
      invalid('lists', `lists[${i}] has a score that is not a finite number`);
    }
  });
}

/** One weight per list, each finite and ≥ 0, not all zero; or the default when absent and allowed. */
function checkWeights(weights: unknown, count: number, fallback: number[] | undefined): number[] {
  if (weights === undefined && fallback) return fallback;
  if (!Array.isArray(weights)) invalid('weights', 'weights must be an array of numbers', weights);
  if (weights.length !== count) {
    invalid('weights', `weights has ${weights.length} entries for ${count} lists`, weights);
  }
  if (!weights.every((w) => typeof w === 'number' && Number.isFinite(w) && w >= 0)) {
    invalid('weights', 'every weight must be a finite number ≥ 0', weights);
  }
  if (weights.every((w) => w === 0)) invalid('weights', 'at least one weight must be > 0', weights);
  return weights;
}

function checkInt(field: string, value: unknown, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    invalid(field, `${field} must be an integer in [${min}, ${max}]`, value);
  }
  return value;
}

/** Each list with repeated keys removed, keeping the first (best-ranked) occurrence. */
function dedupe<K>(list: RankedList<K>): RankedList<K> {
  const seen = new Set<K>(list.keys);
  if (seen.size === list.keys.length) return list;
  seen.clear();
  const out: RankedList<K> = { keys: [], scores: [] };
  list.keys.forEach((key, i) => {
    if (seen.has(key)) return;
    seen.add(key);
    out.keys.push(key);
    out.scores.push(list.scores[i]!);
  });
  return out;
}

/** Per list: its effective weight, and per entry what that entry adds to its key's fused score. */
interface Contributions {
  weights: readonly number[];
  parts: number[][];
}

function contributions<K>(lists: RankedList<K>[], spec: FusionSpec): Contributions {
  if (spec === null || typeof spec !== 'object') invalid('fusion', 'the fusion spec must be an object', spec);
  const n = lists.length;
  switch (spec.method) {
    case 'rrf': {
      const k = spec.k ?? DEFAULT_RRF_K;
      if (typeof k !== 'number' || !Number.isFinite(k) || k <= 0) invalid('k', 'k must be a finite number > 0', k);
      const weights = checkWeights(spec.weights, n, new Array<number>(n).fill(1));
      return { weights, parts: rrfContributions(lists, weights, k) };
    }
    case 'weighted': {
      const normalize = spec.normalize ?? DEFAULT_NORMALIZATION;
      if (!NORMALIZATIONS.includes(normalize)) {
        invalid('normalize', `normalize must be one of ${NORMALIZATIONS.join(', ')}`, normalize);
      }
      const weights = checkWeights(spec.weights, n, undefined);
      return { weights, parts: weightedContributions(lists, weights, normalize) };
    }
    case 'adaptive': {
      const anchor = checkInt('anchor', spec.anchor, 0, n - 1, 0);
      const depth = checkInt('depth', spec.depth, 1, Number.MAX_SAFE_INTEGER, DEFAULT_ADAPTIVE_DEPTH);
      const weights = checkWeights(spec.weights, n, defaultAdaptiveWeights(n, anchor));
      if (!(weights[anchor]! > 0)) invalid('weights', `the anchor's weight (weights[${anchor}]) must be > 0`, weights);
      const minAgreement = spec.minAgreement ?? 0;
      if (typeof minAgreement !== 'number' || !(minAgreement >= 0 && minAgreement <= 1)) {
        invalid('minAgreement', 'minAgreement must be a number in [0, 1]', minAgreement);
      }
      const effective = adaptiveWeights(lists, anchor, weights, depth, minAgreement);
      return { weights: effective, parts: weightedContributions(lists, effective, 'minmax') };
    }
    default:
      return invalid('method', `unknown fusion method ${JSON.stringify((spec as { method?: unknown }).method)}`);
  }
}

/**
 * Merges best-first lists (scores higher-is-better) into at most `limit` hits, best first.
 *
 * @example
 * const bm25 = { keys: ['a', 'b'], scores: [12.1, 7.4] };
 * const dense = { keys: ['b', 'c'], scores: [0.91, 0.88] };
 * fuse([bm25, dense], { method: 'rrf' }, 10); // b (1/62 + 1/61), a (1/61), c (1/62)
 */
export function fuse<K>(lists: RankedList<K>[], spec: FusionSpec, limit: number): FusedHit<K>[] {
  checkLists<K>(lists);
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0) {
    invalid('limit', 'limit must be a non-negative integer', limit);
  }
  const clean = lists.map(dedupe);
  const { weights, parts } = contributions(clean, spec);
  if (limit === 0) return [];

  // Rank by rank, list by list, so Map insertion order is first-appearance order (the tie-break). Lists of
  // weight 0 are left out of that walk: they add no candidates and do not move ties, so weights [1, 0] give
  // exactly list 0's ranking. Their raw scores are still reported for the keys the others returned.
  const hits = new Map<K, FusedHit<K>>();
  const live = clean.map((_, i) => i).filter((i) => weights[i]! > 0);
  const longest = Math.max(0, ...live.map((i) => clean[i]!.keys.length));
  for (let r = 0; r < longest; r++) {
    for (const i of live) {
      const list = clean[i]!;
      if (r >= list.keys.length) continue;
      const key = list.keys[r]!;
      let hit = hits.get(key);
      if (!hit) {
        hit = { key, score: 0, scores: new Array<number | null>(clean.length).fill(null) };
        hits.set(key, hit);
      }
      hit.score += parts[i]![r]!;
      hit.scores[i] = list.scores[r]!;
    }
  }
  clean.forEach((list, i) => {
    if (weights[i]! > 0) return;
    list.keys.forEach((key, r) => {
      const hit = hits.get(key);
      if (hit) hit.scores[i] = list.scores[r]!;
    });
  });
  const ranked = [...hits.values()];
  // Array.prototype.sort is stable, so equal scores keep first-appearance order.
  return ranked.sort((a, b) => b.score - a.score).slice(0, limit);
}
