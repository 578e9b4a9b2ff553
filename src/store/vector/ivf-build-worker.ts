/**
 * Worker-thread entry that trains and builds an IVF index (k-means and encoding are CPU-bound and synchronous),
 * then posts the index's bytes back; the main thread decodes them over the segment's own vectors.
 */

import { parentPort, workerData } from 'node:worker_threads';
import type { Metric } from '../schema/types.js';
import { buildIvfIndex, type IvfBuildParams } from './ivf-build.js';
import { encodeIvf } from './ivf-codec.js';

export interface IvfBuildJob {
  vectors: Float32Array;
  dim: number;
  metric: Metric;
  size: number;
  params: IvfBuildParams;
}

try {
  const job = workerData as IvfBuildJob;
  const index = buildIvfIndex(job.vectors, job.dim, job.metric, job.size, job.params);
  const bytes = encodeIvf(index.parts);
  parentPort!.postMessage({ ok: true, bytes }, [bytes.buffer as ArrayBuffer]);
} catch (err) {
  parentPort!.postMessage({ ok: false, message: (err as Error).message });
}
