/**
 * Fusion of ranked lists for hybrid search: `fuse` with a `FusionSpec` (RRF, weighted score fusion, or
 * adaptive weighting), the default spec, and the building blocks for explaining a fused result.
 * Re-exports only.
 */

export {
  adaptiveWeights,
  DEFAULT_ADAPTIVE_DEPTH,
  DEFAULT_ADAPTIVE_WEIGHT,
  defaultAdaptiveWeights,
  topAgreement,
} from './adaptive.js';
export { fuse } from './fuse.js';
export { minMax, type Normalization, normalizeScores, zScore } from './normalize.js';
export { DEFAULT_RRF_K } from './rrf.js';
export type * from './types.js';
export { DEFAULT_NORMALIZATION } from './weighted.js';
