/**
 * Peer adapter: Quiver with bulk-load options, as bench/ann.ts uses them: the growing segment holds every row
 * (`growingRows` above the row count), so the flush seals one segment with one HNSW graph, as raw hnswlib-node
 * builds. Beside the default-options run (quiver.ts) it shows what the segment layout costs.
 */

import { quiverSystem } from './quiver.js';
import { HNSW } from './types.js';

export default quiverSystem({
  name: 'Quiver (one segment)',
  index: `HNSW, one segment, M ${HNSW.M}, efConstruction ${HNSW.efConstruction}; growingRows above the row count`,
  options: (rows) => ({ growingRows: rows + 1 }),
});
