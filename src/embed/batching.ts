/**
 * Scheduling shared by the embedders: group texts into batches of similar length (so padding is small),
 * run batches with bounded concurrency, yield to the event loop between them so a large embed never holds
 * it for long, and put the results back in input order.
 */

import { QuiverError } from '../errors.js';

export interface BatchPlan {
  /** Each batch lists indexes into the original input. */
  batches: number[][];
}

/** Sorts indexes by text length (stable) and cuts them into batches of at most `batchSize`. */
export function planBatches(texts: readonly string[], batchSize: number): BatchPlan {
  const order = texts.map((_, i) => i).sort((a, b) => texts[a]!.length - texts[b]!.length || a - b);
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) batches.push(order.slice(i, i + batchSize));
  return { batches };
}

/** Resolves on the next turn of the event loop, after pending I/O callbacks. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Embeds `texts` batch by batch with `run` (which gets the batch's texts and must return one vector per
 * text), at most `maxConcurrency` batches at a time, and returns the vectors in input order.
 */
export async function embedInBatches(
  texts: readonly string[],
  options: { batchSize: number; maxConcurrency: number },
  run: (batch: string[]) => Promise<Float32Array[]>,
): Promise<Float32Array[]> {
  const { batches } = planBatches(texts, options.batchSize);
  const out = new Array<Float32Array>(texts.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < batches.length && !failed) {
      const batch = batches[next++]!;
      const vectors = await run(batch.map((i) => texts[i]!)).catch((err: unknown) => {
        failed = true; // the other workers stop taking batches
        throw err;
      });
      if (vectors.length !== batch.length) {
        throw new QuiverError('INTERNAL', `embedder returned ${vectors.length} vectors for ${batch.length} texts`);
      }
      batch.forEach((index, k) => {
        out[index] = vectors[k]!;
      });
      await yieldToEventLoop();
    }
  };
  const workers = Math.max(1, Math.min(options.maxConcurrency, batches.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return out;
}

/** Throws INVALID_ARGUMENT unless `texts` is an array of strings. */
export function assertTexts(texts: unknown): asserts texts is string[] {
  if (!Array.isArray(texts)) throw new QuiverError('INVALID_ARGUMENT', 'texts must be an array of strings');
  texts.forEach((t, i) => {
    if (typeof t !== 'string') {
      throw new QuiverError('INVALID_ARGUMENT', `texts[${i}] is not a string`, {
        field: `texts[${i}]`,
        received: typeof t,
      });
    }
  });
}

/** Throws INVALID_ARGUMENT unless `value` is an integer ≥ 1. */
export function assertPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new QuiverError('INVALID_ARGUMENT', `${name} must be an integer >= 1`, { field: name, received: value });
  }
}
