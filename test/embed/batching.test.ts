/** Length-sorted batching: plans, input order, the concurrency cap, and error propagation. */

import { describe, expect, it } from 'vitest';
import { embedInBatches, planBatches } from '../../src/embed/batching.js';

const vec = (t: string): Float32Array => Float32Array.of(t.length, t.charCodeAt(0) || 0);

describe('batching', () => {
  it('groups texts of similar length', () => {
    const texts = ['aaaa', 'b', 'cc', 'ddddd', 'e', 'fff'];
    expect(planBatches(texts, 2).batches).toEqual([
      [1, 4],
      [2, 5],
      [0, 3],
    ]);
  });

  it('returns vectors in input order, equal to one-at-a-time, and caps concurrency', async () => {
    const texts = Array.from({ length: 37 }, (_, i) => 'x'.repeat((i * 7919) % 23) + String(i));
    let inFlight = 0;
    let peak = 0;
    const sizes: number[] = [];
    const run = async (batch: string[]): Promise<Float32Array[]> => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      sizes.push(batch.length);
      await new Promise((r) => setTimeout(r, 2));
      inFlight--;
      return batch.map(vec);
    };
    const out = await embedInBatches(texts, { batchSize: 5, maxConcurrency: 3 }, run);
    expect(out.map((v) => Array.from(v))).toEqual(texts.map((t) => Array.from(vec(t))));
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThan(1);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(37);
    expect(Math.max(...sizes)).toBe(5);
  });

  it('stops taking batches after one fails', async () => {
    let calls = 0;
    const run = async (batch: string[]): Promise<Float32Array[]> => {
      calls++;
      if (calls === 1) throw new Error('boom');
      return batch.map(vec);
    };
    const texts = Array.from({ length: 50 }, (_, i) => String(i));
    await expect(embedInBatches(texts, { batchSize: 1, maxConcurrency: 1 }, run)).rejects.toThrow('boom');
    expect(calls).toBe(1);
  });

  it('lets timers run between batches', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const run = async (batch: string[]): Promise<Float32Array[]> => {
      const until = Date.now() + 3; // a synchronous, CPU-bound batch
      while (Date.now() < until) {}
      return batch.map(vec);
    };
    await embedInBatches(Array.from({ length: 20 }, String), { batchSize: 1, maxConcurrency: 1 }, run);
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(5);
  });
});
