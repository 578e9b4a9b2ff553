/**
 * Index-type benchmark: FLAT, HNSW, IVF_FLAT, IVF_SQ8 and IVF_PQ on the same clustered 384-d data as bench:ann
 * (BENCH_N rows, default 100,000; BENCH_N=20000 for a quick run), each built as a sealed segment builds it (HNSW
 * and IVF in a worker thread), searched one query at a time for a sweep of its search parameter.
 *
 * Per configuration: recall@10 against exact search, QPS, build time, and bytes per vector: the index's own
 * (codes, list entries, centroids; HNSW's serialized graph) and what stays resident. FLAT, HNSW and IVF_FLAT
 * keep the vector column in memory beside the index; IVF_SQ8 and IVF_PQ leave it in the segment file, as a
 * segment on local disk does, and re-rank by reading their candidates' rows from it (the file is in the page
 * cache after the first queries, as a segment in use would be). Ratios are against FLAT measured in the same run.
 * Prints a table, writes bench/results/indexes.json and draws its recall–QPS curves in
 * bench/results/indexes-recall-qps.svg.
 *
 * Run: npm run bench:indexes   (BENCH_CHART_ONLY=1 redraws the chart from indexes.json)
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metric } from '../src/store/schema/types.js';
import { FlatIndex } from '../src/store/vector/flat-index.js';
import { buildHnswIndex } from '../src/store/vector/hnsw-build.js';
import { buildIvfIndexInWorker } from '../src/store/vector/ivf-build.js';
import { IvfIndex } from '../src/store/vector/ivf-index.js';
import { FileColumn } from '../src/store/vector/vector-column.js';
import type { VectorIndex, VectorSearchOptions } from '../src/store/vector/vector-index.js';
import { clusteredVectors } from './lib/clustered.js';
import { exactTopK, normalizeRows, printTable, recallAt } from './lib/measure.js';
import { lineChart } from './lib/svg-chart.js';

const N = Number(process.env.BENCH_N ?? 100_000);
const DIM = 384;
const NQ = Number(process.env.BENCH_Q ?? 200);
const K = 10;
const METRIC: Metric = 'cosine';

interface Row {
  index: string;
  param: string;
  recall: number;
  qps: number;
  buildSeconds: number;
  indexBytesPerVector: number;
  residentBytesPerVector: number;
}

interface IndexesResult {
  settings: { n: number; dim: number; queries: number; k: number; metric: Metric };
  flatBytesPerVector: number;
  rows: Row[];
}

const RESULT = new URL('./results/indexes.json', import.meta.url);
const CHART = new URL('./results/indexes-recall-qps.svg', import.meta.url);

/** One curve per index configuration, through its search-parameter sweep. */
function writeChart(r: IndexesResult): void {
  const names = [...new Set(r.rows.map((row) => row.index))];
  const series = names.map((name) => ({
    name,
    points: r.rows.filter((row) => row.index === name).map((row) => ({ x: row.recall, y: row.qps, label: row.param })),
  }));
  const lo = 0.6;
  const hidden = r.rows.filter((row) => row.recall < lo).length;
  const { n, dim, k } = r.settings;
  const svg = lineChart({
    title: `Index types: recall@${k} vs queries per second, ${n.toLocaleString('en-US')} × ${dim}-d, one query at a time`,
    xLabel: `recall@${k}`,
    yLabel: 'queries per second (log)',
    yLog: true,
    xDomain: [lo, 1],
    series,
    note:
      `npm run bench:indexes, BENCH_N=${n}; up and to the right is better.` +
      (hidden > 0 ? ` ${hidden} point(s) below recall ${lo} not drawn.` : ''),
  });
  writeFileSync(CHART, svg);
  console.log('wrote bench/results/indexes-recall-qps.svg');
}

function measure(index: VectorIndex, queries: Float32Array[], truth: number[][], options: VectorSearchOptions) {
  for (const q of queries.slice(0, 20)) index.search(q, K, options); // warm-up
  let recall = 0;
  const start = performance.now();
  for (const [i, q] of queries.entries()) recall += recallAt(index.search(q, K, options).labels, truth[i]!, K);
  const seconds = (performance.now() - start) / 1000;
  return { recall: recall / queries.length, qps: queries.length / seconds };
}

async function main(): Promise<void> {
  if (process.env.BENCH_CHART_ONLY) return writeChart(JSON.parse(readFileSync(RESULT, 'utf8')) as IndexesResult);
  const all = clusteredVectors({ n: N + NQ, dim: DIM, clusters: 100, sigma: 2, seed: 1 });
  normalizeRows(all, DIM);
  const data = all.slice(0, N * DIM);
  const queries = Array.from({ length: NQ }, (_, q) => all.slice((N + q) * DIM, (N + q + 1) * DIM));
  const truth = queries.map((q) => exactTopK(data, DIM, q, K));
  const rows: Row[] = [];
  const flatBytes = 4 * DIM;

  const add = (
    index: VectorIndex,
    name: string,
    build: number,
    indexBytes: number,
    sweep: [string, VectorSearchOptions][],
    resident = indexBytes + flatBytes,
  ) => {
    for (const [param, options] of sweep) {
      const m = measure(index, queries, truth, options);
      rows.push({
        index: name,
        param,
        recall: m.recall,
        qps: m.qps,
        buildSeconds: build,
        indexBytesPerVector: indexBytes,
        residentBytesPerVector: resident,
      });
      console.error(`${name} ${param}: recall ${m.recall.toFixed(3)}, ${m.qps.toFixed(0)} QPS`);
    }
  };

  add(new FlatIndex(data, DIM, METRIC, N), 'FLAT', 0, 0, [['exact', {}]]);

  let t = performance.now();
  const hnsw = await buildHnswIndex(data, DIM, METRIC, { M: 16, efConstruction: 200, seed: 1 });
  const hnswBuild = (performance.now() - t) / 1000;
  // hnswlib's serialized graph holds its own copy of the vectors; the links are the rest.
  const hnswBytes = (await hnsw.serialize()).byteLength / N - flatBytes;
  // Resident: the segment's column plus the whole graph, vectors included (hnswlib keeps its own copy).
  add(
    hnsw,
    'HNSW',
    hnswBuild,
    hnswBytes,
    [16, 32, 64, 128].map((ef) => [`ef ${ef}`, { ef }]),
    2 * flatBytes + hnswBytes,
  );
  hnsw.dispose();

  // The quantized kinds read full vectors from a file, as their segments do.
  const folder = mkdtempSync(join(tmpdir(), 'quiver-bench-indexes-'));
  const vectorFile = join(folder, 'vectors.f32');
  writeFileSync(vectorFile, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  const onDisk = new FileColumn(vectorFile, 0, DIM, N);
  for (const kind of ['IVF_FLAT', 'IVF_SQ8', 'IVF_PQ'] as const) {
    t = performance.now();
    const built = (await buildIvfIndexInWorker(data, DIM, METRIC, N, { kind, seed: 1 })) as IvfIndex;
    const build = (performance.now() - t) / 1000;
    const index = kind === 'IVF_FLAT' ? built : new IvfIndex(built.parts, onDisk);
    const resident = index.bytesPerVector + (kind === 'IVF_FLAT' ? flatBytes : 0);
    const probes = [1, 4, 8, 16, 32, 64, 128].filter((p) => p <= index.parts.nlist);
    // Re-ranking is a search-time setting: one build serves every factor.
    const reranks = kind === 'IVF_PQ' ? [1, 4, 16] : kind === 'IVF_SQ8' ? [1, 4] : [1];
    for (const rerank of reranks) {
      const name = kind === 'IVF_FLAT' ? kind : `${kind} rerank ${rerank}`;
      const sweep: [string, VectorSearchOptions][] = probes.map((p) => [`nprobe ${p}`, { nprobe: p, rerank }]);
      add(index, name, build, index.bytesPerVector, sweep, resident);
    }
  }
  onDisk.close();
  rmSync(folder, { recursive: true, force: true });

  const flat = rows[0]!;
  printTable(
    `Index types: ${N} × ${DIM}-d clustered, cosine, ${NQ} queries, k ${K}, one query at a time`,
    ['index', 'param', 'recall@10', 'QPS', 'QPS / FLAT', 'build s', 'index B/vec', 'resident B/vec', 'resident / FLAT'],
    rows.map((r) => [
      r.index,
      r.param,
      r.recall.toFixed(3),
      r.qps.toFixed(0),
      (r.qps / flat.qps).toFixed(2),
      r.buildSeconds.toFixed(1),
      r.indexBytesPerVector.toFixed(1),
      r.residentBytesPerVector.toFixed(1),
      (r.residentBytesPerVector / flatBytes).toFixed(2),
    ]),
  );
  const out: IndexesResult = {
    settings: { n: N, dim: DIM, queries: NQ, k: K, metric: METRIC },
    flatBytesPerVector: flatBytes,
    rows,
  };
  writeFileSync(RESULT, `${JSON.stringify(out, null, 2)}\n`);
  console.log('\nwrote bench/results/indexes.json');
  writeChart(out);
}

await main();
