/**
 * The peer benchmark's inputs as files, so that every system's child process reads exactly the same rows,
 * queries and ground truth: the driver writes them once, each child reads what its phase needs.
 */

import { closeSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BenchConfig {
  n: number;
  dim: number;
  queries: number;
  k: number;
  /** Timed rounds per search configuration (after a warm-up); each system keeps its best round's QPS. */
  rounds: number;
  /** Stop adding rounds to a configuration once its rounds have taken this long. */
  budgetSeconds: number;
  /** Rows per insert call. */
  batch: number;
  /** Filtered searches: keep rows with bucket < threshold, threshold / 1000 of the rows. */
  thresholds: number[];
}

export interface GroundTruth {
  unfiltered: number[][];
  /** Keyed by threshold. */
  filtered: Record<string, number[][]>;
}

const file = (dir: string, name: string) => join(dir, name);

export function writeInputs(
  dir: string,
  config: BenchConfig,
  data: { vectors: Float32Array; queries: Float32Array; bucket: Int32Array },
  truth: GroundTruth,
): void {
  writeFileSync(file(dir, 'config.json'), JSON.stringify(config));
  writeFileSync(
    file(dir, 'vectors.f32'),
    new Uint8Array(data.vectors.buffer, data.vectors.byteOffset, data.vectors.byteLength),
  );
  writeFileSync(
    file(dir, 'queries.f32'),
    new Uint8Array(data.queries.buffer, data.queries.byteOffset, data.queries.byteLength),
  );
  writeFileSync(
    file(dir, 'bucket.i32'),
    new Uint8Array(data.bucket.buffer, data.bucket.byteOffset, data.bucket.byteLength),
  );
  writeFileSync(file(dir, 'truth.json'), JSON.stringify(truth));
}

/**
 * Reads a file straight into a fresh ArrayBuffer: a Buffer from readFileSync may sit at an offset no typed array
 * can start at, and copying out of it would hold the data twice, which every child's RSS would then carry.
 */
function readBytes(path: string): ArrayBuffer {
  const out = new ArrayBuffer(statSync(path).size);
  const fd = openSync(path, 'r');
  try {
    for (let at = 0; at < out.byteLength; ) at += readSync(fd, new Uint8Array(out, at));
  } finally {
    closeSync(fd);
  }
  return out;
}

export const readConfig = (dir: string): BenchConfig => JSON.parse(readFileSync(file(dir, 'config.json'), 'utf8'));
export const readVectors = (dir: string) => new Float32Array(readBytes(file(dir, 'vectors.f32')));
export const readQueries = (dir: string) => new Float32Array(readBytes(file(dir, 'queries.f32')));
export const readBuckets = (dir: string) => new Int32Array(readBytes(file(dir, 'bucket.i32')));
export const readTruth = (dir: string): GroundTruth => JSON.parse(readFileSync(file(dir, 'truth.json'), 'utf8'));
