/**
 * Peer adapter: LanceDB with its HNSW index, IVF_HNSW_SQ, in one partition (what its docs recommend for most
 * tables) with the same M 16 and efConstruction 200 as the other HNSW systems. Vectors in the graph are 8-bit
 * scalar-quantized, so recall levels off below 1 unless `refineFactor` re-ranks on the full vectors. The store
 * itself is the one in lancedb.ts.
 */

import { Index } from '@lancedb/lancedb';
import { lanceSystem } from './lancedb.js';
import { HNSW } from './types.js';

export default lanceSystem({
  name: 'LanceDB IVF_HNSW_SQ',
  index: `IVF_HNSW_SQ, 1 partition, M ${HNSW.M}, efConstruction ${HNSW.efConstruction} (cosine)`,
  vectorIndex: () =>
    Index.hnswSq({ distanceType: 'cosine', numPartitions: 1, m: HNSW.M, efConstruction: HNSW.efConstruction }),
  sweep: [...[16, 32, 64, 128, 256].map((ef) => ({ ef })), { ef: 128, refineFactor: 2 }],
});
