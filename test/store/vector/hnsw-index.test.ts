/**
 * HNSW: the VectorIndex contract for every metric, with indexes built the production way (buildHnswIndex,
 * in a worker thread) at the schema defaults M 16, efConstruction 200.
 */

import { buildHnswIndex } from '../../../src/store/vector/hnsw-build.js';
import { runVectorIndexContract } from '../../contracts/vector-index.contract.js';

runVectorIndexContract('HNSW', (vectors, dim, metric) =>
  buildHnswIndex(vectors, dim, metric, { M: 16, efConstruction: 200, seed: 42 }),
);
