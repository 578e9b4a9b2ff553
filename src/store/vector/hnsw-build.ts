/**
 * Builds an HNSW index in a worker thread and loads it on the main thread with the async readIndex, so the
 * event loop stays responsive. Works from compiled JS and from TypeScript sources (tests, tsx).
 * `base` extends an existing graph (see the worker): its bytes cover the first rows of `vectors`, and only the
 * rows after them are copied to the worker.
 */

import { stat, unlink, writeFile } from 'node:fs/promises';
import { QuiverError } from '../../errors.js';
import type { Metric } from '../schema/types.js';
import type { BuildJob } from './hnsw-build-worker.js';
import { HnswIndex, tempIndexPath } from './hnsw-index.js';
import { createNativeHnsw, readIndexHeader } from './hnsw-native.js';
import { startWorker } from './start-worker.js';

export interface HnswBuildParams {
  M: number;
  efConstruction: number;
  seed: number;
}

export async function buildHnswIndex(
  vectors: Float32Array,
  dim: number,
  metric: Metric,
  params: HnswBuildParams,
  options: { signal?: AbortSignal; base?: Uint8Array } = {},
): Promise<HnswIndex> {
  const size = vectors.length / dim;
  const path = tempIndexPath();
  const baseRows = options.base ? (readIndexHeader(options.base)?.elements ?? -1) : 0;
  if (baseRows < 0 || baseRows > size) {
    throw new QuiverError('INTERNAL', `cannot extend a graph of ${baseRows} rows to ${size} rows`);
  }
  const basePath = options.base ? tempIndexPath() : undefined;
  const job: BuildJob = {
    // A worker gets a copy of what it is sent (a view's whole buffer), so send exactly the rows to insert.
    vectors: baseRows > 0 ? vectors.slice(baseRows * dim) : vectors,
    dim,
    metric,
    M: params.M,
    efConstruction: params.efConstruction,
    seed: params.seed,
    path,
    ...(basePath ? { basePath } : {}),
    cancel: new Int32Array(new SharedArrayBuffer(4)),
  };
  try {
    if (basePath) await writeFile(basePath, options.base!);
    await new Promise<void>((resolve, reject) => {
      if (options.signal?.aborted) return reject(new QuiverError('CLOSED', 'index build aborted'));
      const worker = startWorker('hnsw-build-worker', job);
      // Cooperative cancellation: the worker stops between inserts and reports back (see the worker). The
      // promise settles only once the worker is done with the temp file, so the cleanup below always wins.
      const onAbort = () => Atomics.store(job.cancel, 0, 1);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => options.signal?.removeEventListener('abort', onAbort);
      worker.once('message', (m: { ok: boolean; message?: string; cancelled?: boolean }) => {
        done();
        if (m.cancelled || options.signal?.aborted) return reject(new QuiverError('CLOSED', 'index build aborted'));
        if (m.ok) resolve();
        else reject(new QuiverError('INTERNAL', `HNSW build failed: ${m.message}`));
      });
      worker.once('error', (err) => {
        done();
        reject(new QuiverError('INTERNAL', `HNSW build worker crashed: ${err.message}`, {}, { cause: err }));
      });
      worker.once('exit', (code) => {
        done();
        if (code !== 0) reject(new QuiverError('INTERNAL', `HNSW build worker exited with code ${code}`));
      });
    });
    const native = createNativeHnsw(metric, dim);
    await native.readIndex(path);
    return new HnswIndex(native, dim, metric, size, (await stat(path)).size);
  } finally {
    await unlink(path).catch(() => {});
    if (basePath) await unlink(basePath).catch(() => {});
  }
}
