/**
 * Small measuring helpers shared by the benchmarks: exact ground truth, recall, timing, and table output.
 */

export function recallAt(found: ArrayLike<number>, truth: ArrayLike<number>, k: number): number {
  const want = new Set<number>();
  for (let i = 0; i < Math.min(k, truth.length); i++) want.add(truth[i]!);
  if (want.size === 0) return 1;
  let hit = 0;
  for (let i = 0; i < Math.min(k, found.length); i++) if (want.has(found[i]!)) hit++;
  return hit / want.size;
}

/** Exact top-k by inner product (vectors normalized) among rows passing `keep`. */
export function exactTopK(
  data: Float32Array,
  dim: number,
  query: Float32Array,
  k: number,
  keep?: (row: number) => boolean,
): number[] {
  const n = data.length / dim;
  const best: { row: number; score: number }[] = [];
  let floor = -Infinity;
  for (let r = 0; r < n; r++) {
    if (keep && !keep(r)) continue;
    let s = 0;
    const off = r * dim;
    for (let d = 0; d < dim; d++) s += data[off + d]! * query[d]!;
    if (best.length < k || s > floor) {
      best.push({ row: r, score: s });
      best.sort((a, b) => b.score - a.score);
      if (best.length > k) best.pop();
      floor = best[best.length - 1]!.score;
    }
  }
  return best.map((b) => b.row);
}

export function normalizeRows(data: Float32Array, dim: number): void {
  for (let off = 0; off < data.length; off += dim) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += data[off + d]! ** 2;
    const inv = 1 / Math.sqrt(s || 1);
    for (let d = 0; d < dim; d++) data[off + d]! *= inv;
  }
}

export function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export function rssMB(): number {
  return Math.round(process.memoryUsage().rss / 1048576);
}

export function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i]).length)));
  const line = (r: (string | number)[]) => `| ${r.map((c, i) => String(c).padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\n${title}`);
  console.log(line(cells[0]!));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of cells.slice(1)) console.log(line(r));
}

function formatNumber(x: number): string {
  if (Number.isInteger(x)) return String(x);
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(3);
}
