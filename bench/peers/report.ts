/**
 * Turns the peer benchmark's results (bench/results/peers.json) into what people read: Markdown tables with
 * every figure and each system's ratio to raw hnswlib-node from the same run, and the recall–QPS chart.
 */

import { lineChart } from '../lib/svg-chart.js';
import type { FilteredSearch, PhaseReport, TimedSearch } from './types.js';

export interface SystemResult {
  id: string;
  name: string;
  /** npm package and version measured ("quiver (working tree)" for Quiver). */
  package: string;
  node: string;
  runtimeNote: string;
  index: string;
  filtering: string;
  threads: string;
  build?: PhaseReport;
  query?: PhaseReport;
  error?: string;
}

export interface PeersResult {
  n: number;
  dim: number;
  queries: number;
  k: number;
  rounds: number;
  machine: { cpus: number; memoryGB: number; node: string };
  baseline: string;
  /** The baseline's searches run again at the end of the run, from its saved index: a measure of drift. */
  baselineRepeat?: PhaseReport;
  systems: SystemResult[];
}

export interface Figures {
  rowsPerSecond?: number;
  peakRssMB?: number;
  rss: string;
  diskMB?: number;
  coldOpenMs?: number;
  operating?: TimedSearch & { reached: boolean };
  sweep: TimedSearch[];
  filtered: FilteredSearch[];
}

export function figures(s: SystemResult): Figures {
  const searched = s.query ?? (s.build?.phase === 'all' ? s.build : undefined);
  const ingest = s.build?.ingest;
  const peaks = [s.build?.peakRssMB, s.query?.peakRssMB].filter((v): v is number => v !== undefined);
  return {
    rowsPerSecond: ingest ? ingest.rows / (ingest.insertSeconds + ingest.finishSeconds) : undefined,
    peakRssMB: peaks.length > 0 ? Math.max(...peaks) : undefined,
    rss: s.query ? `${s.build?.peakRssMB ?? '–'} / ${s.query.peakRssMB}` : String(s.build?.peakRssMB ?? '–'),
    diskMB: s.build?.diskBytes === undefined ? undefined : s.build.diskBytes / 1048576,
    coldOpenMs: s.query?.coldOpenMs,
    operating: searched?.operating,
    sweep: searched?.sweep ?? [],
    filtered: searched?.filtered ?? [],
  };
}

const num = (v: number | undefined, digits = 0): string =>
  v === undefined || !Number.isFinite(v)
    ? 'n/a'
    : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const qps = (v: number | undefined) => (v === undefined ? 'n/a' : num(v, v < 10 ? 1 : 0));
const ratio = (a: number | undefined, b: number | undefined): string => {
  if (a === undefined || b === undefined || b === 0) return 'n/a';
  const r = a / b;
  return `${r >= 10 ? num(r, 0) : num(r, r >= 1 ? 2 : 3)}×`;
};

function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

/** The tables, as Markdown: main figures, ratios to the baseline, the whole sweep, and how each system works. */
export function markdown(r: PeersResult): string {
  const base = r.systems.find((s) => s.id === r.baseline);
  const b = base ? figures(base) : undefined;
  const filterAt = (f: Figures, sel: number) => f.filtered.find((x) => x.selectivity === sel);
  const ok = r.systems.filter((s) => !s.error);
  const main = table(
    [
      'system',
      'runs on',
      'ingest rows/s',
      'peak RSS MB (build / query)',
      'disk MB',
      'cold open ms',
      'QPS at recall@10 ≥ 0.95',
      'setting',
      'recall@10',
      'p99 ms',
      '1% filter: QPS / recall',
      '10% filter: QPS / recall',
    ],
    ok.map((s) => {
      const f = figures(s);
      const op = f.operating;
      const f1 = filterAt(f, 0.01);
      const f10 = filterAt(f, 0.1);
      return [
        s.name,
        `Node ${s.node.replace(/^v/, '')}`,
        num(f.rowsPerSecond),
        f.rss,
        f.diskMB === undefined ? 'n/a (memory)' : num(f.diskMB, 1),
        f.coldOpenMs === undefined ? 'n/a' : num(f.coldOpenMs),
        op ? `${qps(op.qps)}${op.reached ? '' : ' (not reached)'}` : 'n/a',
        op?.setting ?? 'n/a',
        op ? num(op.recall, 3) : 'n/a',
        op ? num(op.p99Ms, 2) : 'n/a',
        f1 ? `${qps(f1.qps)} / ${num(f1.recall, 3)}` : 'n/a',
        f10 ? `${qps(f10.qps)} / ${num(f10.recall, 3)}` : 'n/a',
      ];
    }),
  );
  const ratios = b
    ? table(
        [
          'system',
          'QPS at operating point',
          'ingest rows/s',
          'peak RSS',
          'disk',
          'cold open',
          'p99 (lower is better)',
          '1% filter QPS',
          '10% filter QPS',
        ],
        ok.map((s) => {
          const f = figures(s);
          return [
            s.name,
            ratio(f.operating?.qps, b.operating?.qps),
            ratio(f.rowsPerSecond, b.rowsPerSecond),
            ratio(f.peakRssMB, b.peakRssMB),
            ratio(f.diskMB, b.diskMB),
            ratio(f.coldOpenMs, b.coldOpenMs),
            ratio(f.operating?.p99Ms, b.operating?.p99Ms),
            ratio(filterAt(f, 0.01)?.qps, filterAt(b, 0.01)?.qps),
            ratio(filterAt(f, 0.1)?.qps, filterAt(b, 0.1)?.qps),
          ];
        }),
      )
    : '(no baseline in this run)';
  const sweep = table(
    ['system', 'setting', 'recall@10', 'QPS', 'p50 ms', 'p99 ms'],
    ok.flatMap((s) =>
      figures(s).sweep.map((t) => [s.name, t.setting, num(t.recall, 3), qps(t.qps), num(t.p50Ms, 2), num(t.p99Ms, 2)]),
    ),
  );
  const how = table(
    ['system', 'package', 'index', 'filtering', 'threads', 'layout', 'why this Node'],
    r.systems.map((s) => [s.name, s.package, s.index, s.filtering, s.threads, s.build?.layout ?? '', s.runtimeNote]),
  );
  const inputs = base?.build?.inputsRssMB;
  const notes = [
    inputs === undefined
      ? ''
      : `- Peak RSS is each child process's high-water mark. It includes what the child held before the store existed (Node, the adapter's imports, the inputs): for ${base?.name}, ${inputs} MB in the build child (which loads the vectors) and ${base?.query?.inputsRssMB ?? '?'} MB in the query child; peers.json has it for every child.`,
    noiseNote(r, base),
  ].filter(Boolean);
  const failed = r.systems
    .filter((s) => s.error)
    .map((s) => `- ${s.name} failed: ${s.error}`)
    .join('\n');
  return [
    `N = ${r.n.toLocaleString('en-US')} clustered ${r.dim}-d vectors, ${r.queries} queries, k = ${r.k}, one query at a time; QPS is the best of up to ${r.rounds} rounds of at least 1 s per setting.`,
    '',
    main,
    '',
    `Ratios to ${base?.name ?? r.baseline} in the same run:`,
    '',
    ratios,
    '',
    'Sweep (unfiltered):',
    '',
    sweep,
    '',
    how,
    ...(notes.length > 0 ? ['', ...notes] : []),
    ...(failed ? ['', failed] : []),
  ].join('\n');
}

/** How far the baseline's QPS moved between its first run and its repeat at the end. */
function noiseNote(r: PeersResult, base: SystemResult | undefined): string {
  const first = base?.query?.sweep;
  const again = r.baselineRepeat?.sweep;
  if (!first || !again || first.length !== again.length) return '';
  const moves = first.map((t, i) => again[i]!.qps / t.qps - 1);
  const pct = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v * 100).toFixed(0)}%`;
  return (
    `- Noise check: ${base!.name} searched again from its saved index after every other system; its QPS moved by ` +
    `${moves.map(pct).join(', ')} across its sweep (${first.map((t) => t.setting).join(', ')}).`
  );
}

export function recallQpsChart(r: PeersResult): string {
  const series = r.systems
    .filter((s) => !s.error)
    .map((s) => ({
      name: s.name,
      points: figures(s).sweep.map((t) => ({ x: t.recall, y: t.qps, label: t.setting })),
    }));
  const lo = 0.5;
  const hidden = series.flatMap((s) => s.points).filter((p) => p.x < lo).length;
  return lineChart({
    title: `Recall@${r.k} vs queries per second, ${r.n.toLocaleString('en-US')} × ${r.dim}-d, one query at a time`,
    xLabel: `recall@${r.k}`,
    yLabel: 'queries per second (log)',
    yLog: true,
    xDomain: [lo, 1],
    series,
    note:
      `npm run bench:peers, BENCH_N=${r.n}, ${r.machine.cpus} cores. Up and to the right is better.` +
      (hidden > 0 ? ` ${hidden} setting(s) below recall ${lo} left out (see peers.json).` : ''),
  });
}
