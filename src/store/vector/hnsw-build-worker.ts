/**
 * Worker-thread entry that builds an HNSW graph. addPoint is synchronous and slow (hundreds of inserts per
 * second at 384-d), so it runs here, never on the main thread. The graph is written to the path the main
 * thread chose; the main thread loads it with the async readIndex.
 */

import { parentPort, workerData } from 'node:worker_threads';
import type { Metric } from '../schema/types.js';
import { createNativeHnsw } from './hnsw-native.js';

export interface BuildJob {
  vectors: Float32Array;
  dim: number;
  metric: Metric;
  M: number;
  efConstruction: number;
  seed: number;
  path: string;
}

async function build(job: BuildJob): Promise<void> {
  const n = job.vectors.length / job.dim;
  const index = createNativeHnsw(job.metric, job.dim);
  index.initIndex({ maxElements: Math.max(1, n), m: job.M, efConstruction: job.efConstruction, randomSeed: job.seed });
  const point = new Array<number>(job.dim);
  for (let row = 0; row < n; row++) {
    const off = row * job.dim;
    for (let d = 0; d < job.dim; d++) point[d] = job.vectors[off + d]!;
    index.addPoint(point, row);
  }
  await index.writeIndex(job.path);
}

build(workerData as BuildJob).then(
  () => parentPort!.postMessage({ ok: true }),
  (err: Error) => parentPort!.postMessage({ ok: false, message: err.message }),
);
