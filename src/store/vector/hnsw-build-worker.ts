/**
 * Worker-thread entry that builds an HNSW graph. addPoint is synchronous and slow (hundreds of inserts per
 * second at 384-d), so it runs here, never on the main thread. The graph is written to the path the main
 * thread chose; the main thread loads it with the async readIndex.
 *
 * With `basePath`, the build extends an existing graph instead of starting empty: the base file holds the
 * graph of the first `baseRows` vectors (labels 0..baseRows-1, as in the segment being extended), and only
 * the rows after them are inserted. That is how compaction merges new rows into a big segment at the cost of
 * the new rows alone.
 *
 * A worker must never be terminated while it is inside the addon (hnswlib-node then throws into a dying
 * environment, which aborts the whole process), so cancellation is cooperative: the main thread sets a flag
 * in shared memory and the loop checks it between inserts.
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
  /** An hnswlib file holding a graph to extend; `vectors` then holds only the rows to add after its rows. */
  basePath?: string;
  /** Int32Array over a SharedArrayBuffer; a non-zero first element asks the build to stop. */
  cancel: Int32Array;
}

const CHECK_EVERY = 32;

async function build(job: BuildJob): Promise<'built' | 'cancelled'> {
  const added = job.vectors.length / job.dim;
  const index = createNativeHnsw(job.metric, job.dim);
  // Labels are row offsets: added rows follow the base graph's rows.
  let first = 0;
  if (job.basePath) {
    index.readIndexSync(job.basePath);
    first = index.getCurrentCount();
    index.resizeIndex(Math.max(1, first + added));
  } else {
    index.initIndex({
      maxElements: Math.max(1, added),
      m: job.M,
      efConstruction: job.efConstruction,
      randomSeed: job.seed,
    });
  }
  const point = new Array<number>(job.dim);
  for (let i = 0; i < added; i++) {
    if (i % CHECK_EVERY === 0 && Atomics.load(job.cancel, 0) !== 0) return 'cancelled';
    const off = i * job.dim;
    for (let d = 0; d < job.dim; d++) point[d] = job.vectors[off + d]!;
    index.addPoint(point, first + i);
  }
  if (Atomics.load(job.cancel, 0) !== 0) return 'cancelled';
  await index.writeIndex(job.path);
  return 'built';
}

build(workerData as BuildJob).then(
  (outcome) => parentPort!.postMessage(outcome === 'built' ? { ok: true } : { ok: false, cancelled: true }),
  (err: Error) => parentPort!.postMessage({ ok: false, message: err.message }),
);
