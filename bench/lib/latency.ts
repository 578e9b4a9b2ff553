/**
 * Per-query latency summaries for the search benchmark: percentiles over every timed query, and throughput
 * from the wall time of whole passes (so loop and await overhead count, as they would for a caller).
 */

export interface LatencySummary {
  /** Timed queries, over every round. */
  samples: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  /** Queries per second: timed queries ÷ wall time of the passes that ran them. */
  qps: number;
}

/** Nearest-rank percentile of an ascending list: the smallest value with at least p% of samples at or below it. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarize(latenciesMs: readonly number[], wallSeconds: number): LatencySummary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const sum = sorted.reduce((a, x) => a + x, 0);
  return {
    samples: sorted.length,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    meanMs: sum / sorted.length,
    qps: sorted.length / wallSeconds,
  };
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}
