/**
 * Times one search configuration the same way for every peer: an untimed warm-up (one pass over the queries,
 * cut short after `warmupSeconds`), then up to `rounds` timed rounds, one query at a time. A round repeats
 * whole passes over the queries until it has lasted `roundSeconds`, so fast systems are not timed over a few
 * milliseconds. QPS is the best round (noise on a shared machine only ever slows a round down); p50/p99 pool
 * every query of every round; recall@k is the mean over the first pass.
 */

import { percentile } from '../lib/latency.js';
import { recallAt } from '../lib/measure.js';
import type { TimedSearch } from './types.js';

export interface TimingOptions {
  k: number;
  rounds: number;
  /** Each round repeats passes over the queries until it has lasted this long. */
  roundSeconds: number;
  /** No further rounds once the rounds so far have taken this long (slow brute-force scans get one). */
  budgetSeconds: number;
  /** Untimed warm-up: queries run until this many seconds have passed or every query has run once. */
  warmupSeconds: number;
}

const since = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e9;

export async function timeSearches(
  setting: string,
  queries: number,
  search: (i: number) => Promise<number[]>,
  truth: readonly number[][],
  o: TimingOptions,
): Promise<TimedSearch> {
  const warm = process.hrtime.bigint();
  for (let i = 0; i < queries && since(warm) < o.warmupSeconds; i++) await search(i);
  const latencies: number[] = [];
  let best = 0;
  let recall = Number.NaN;
  let minHits = Infinity;
  let spent = 0;
  let rounds = 0;
  while (rounds < o.rounds && (rounds === 0 || spent < o.budgetSeconds)) {
    const start = process.hrtime.bigint();
    let done = 0;
    do {
      let sum = 0;
      for (let i = 0; i < queries; i++) {
        const t = process.hrtime.bigint();
        const ids = await search(i);
        latencies.push(since(t) * 1000);
        sum += recallAt(ids, truth[i]!, o.k);
        minHits = Math.min(minHits, ids.length);
      }
      if (Number.isNaN(recall)) recall = sum / queries;
      done += queries;
    } while (since(start) < o.roundSeconds);
    const secs = since(start);
    best = Math.max(best, done / secs);
    spent += secs;
    rounds++;
  }
  latencies.sort((a, b) => a - b);
  return {
    setting,
    qps: best,
    recall,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    minHits,
    rounds,
  };
}
