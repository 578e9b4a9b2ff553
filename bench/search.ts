/**
 * Search benchmark: BM25 (`search({ text })`), dense (`search({ vector })`, HNSW at the field's default ef) and
 * hybrid (`hybridSearch` of both, default fusion and default limit) over the same collection, on SciFact
 * (5,183 abstracts embedded with the offline default model, 300 test claims) and on a generated set (100k
 * Zipfian text chunks with 128-d clustered vectors: 128-d rather than 384 keeps the HNSW build to about a
 * minute on two cores). See bench/lib/search-datasets.ts for how each is built.
 *
 * Per method: p50 and p99 latency over every timed query, QPS, and recall@10 against exact search (dense:
 * `exact: true`; hybrid: the same call with `exact: true` on its vector sub-search; BM25 scores every posting
 * of the query's terms, so it is exact by construction and reports 1). Searches run one at a time on the main
 * thread and return ids only (`outputFields: []`). After an untimed warm-up pass, ROUNDS rounds time every
 * method (and hybrid's two sub-searches alone, to show what fusion adds), rotating which goes first, and
 * latencies pool over rounds. The ratios compare searches timed in the same rounds, since these machines are
 * noisy; each round's own ratio goes to the JSON too.
 *
 * Run: npm run bench:search     (npm run bench:search -- --rows 20000 --queries 100 for a quick run;
 *                               --rounds N, default 10). Writes bench/results/search.json.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Collection } from '../src/store/collection/collection.js';
import { DEFAULT_TEXT_WEIGHT, DEFAULT_VECTOR_WEIGHT } from '../src/store/collection/hybrid-search.js';
import type { PrimaryKey } from '../src/store/schema/batch.js';
import { type LatencySummary, median, summarize } from './lib/latency.js';
import { printTable, seconds } from './lib/measure.js';
import {
  type BenchQuery,
  type LoadedDataset,
  loadSciFact,
  loadSynthetic,
  TEXT_FIELD,
  VECTOR_FIELD,
} from './lib/search-datasets.js';

const { values: flags } = parseArgs({
  options: { rows: { type: 'string' }, queries: { type: 'string' }, rounds: { type: 'string' } },
});
const ROWS = Number(flags.rows ?? 100_000);
const QUERIES = Number(flags.queries ?? 300);
const ROUNDS = Number(flags.rounds ?? 10);
const SYNTHETIC_DIM = 128;
const SCIFACT = resolve(process.env.BENCH_SCIFACT ?? '../shared/data/scifact');
const K = 10;

for (const [name, v] of [
  ['--rows', ROWS],
  ['--queries', QUERIES],
  ['--rounds', ROUNDS],
] as const) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer`);
}

const METHODS = ['bm25', 'dense', 'hybrid'] as const;
type Method = (typeof METHODS)[number];
/**
 * Hybrid's two sub-searches on their own, as it runs them (top `limit` = 100 each; HNSW at ef max(64, 100)),
 * timed in the same rounds: hybrid minus their sum is what fusing and assembling the hits costs.
 */
const PARTS = ['bm25@100', 'dense@100'] as const;
const HYBRID_LIMIT = 100;
type Timed = Method | (typeof PARTS)[number];
const TIMED: readonly Timed[] = [...METHODS, ...PARTS];
type Search = (q: BenchQuery) => Promise<PrimaryKey[]>;

/** The searches; `exact` switches the vector search (alone or inside hybrid) to brute force. */
function searches(c: Collection, exact: boolean): Record<Timed, Search> {
  const text = async (q: BenchQuery, k: number) =>
    (await c.search({ text: q.text, field: TEXT_FIELD, k, outputFields: [] })).hits.map((h) => h.id);
  const dense = async (q: BenchQuery, k: number) =>
    (await c.search({ vector: q.vector, field: VECTOR_FIELD, k, exact, outputFields: [] })).hits.map((h) => h.id);
  return {
    bm25: (q) => text(q, K),
    dense: (q) => dense(q, K),
    // BM25 first: the fusion module's adaptive method anchors on the first list and says to put BM25 there.
    // RRF, and the latency, do not depend on the order.
    hybrid: async (q) =>
      (
        await c.hybridSearch({
          requests: [
            { text: q.text, field: TEXT_FIELD },
            { vector: q.vector, field: VECTOR_FIELD, exact },
          ],
          k: K,
          outputFields: [],
        })
      ).hits.map((h) => h.id),
    'bm25@100': (q) => text(q, HYBRID_LIMIT),
    'dense@100': (q) => dense(q, HYBRID_LIMIT),
  };
}

function recallAt10(found: PrimaryKey[], truth: PrimaryKey[]): number {
  if (truth.length === 0) return 1;
  const want = new Set(truth);
  return found.filter((id) => want.has(id)).length / want.size;
}

interface MethodResult extends LatencySummary {
  recallAt10: number;
  /** True when the method's own results are the ground truth. */
  exact: boolean;
  /** Queries with fewer than k hits (BM25 finds nothing when no query term occurs). */
  shortResults: number;
}

interface Ratio {
  p50: number;
  p99: number;
  /** Ratio of mean latencies (the inverse ratio of QPS). */
  mean: number;
  /** Mean-latency ratio in each round on its own. */
  perRound: number[];
}

interface DatasetResult {
  name: string;
  rows: number;
  dim: number;
  queries: number;
  build: Record<string, number>;
  text: LoadedDataset['text'];
  methods: Record<Method, MethodResult>;
  /** Hybrid's sub-searches timed alone (no recall). */
  hybridParts: Record<(typeof PARTS)[number], LatencySummary>;
  ratios: { hybridOverDense: Ratio; hybridOverBm25: Ratio; hybridOverItsParts: Ratio };
}

const zeros = (): Record<Timed, number> => ({ bm25: 0, dense: 0, hybrid: 0, 'bm25@100': 0, 'dense@100': 0 });

async function measure(d: LoadedDataset): Promise<DatasetResult> {
  const approx = searches(d.collection, false);
  const exactRuns = searches(d.collection, true);
  const qs = d.queries;
  console.log(`${d.name}: recall against exact search...`);
  const recall = {} as Record<Method, { recall: number; short: number }>;
  for (const m of METHODS) {
    let sum = 0;
    let short = 0;
    for (const q of qs) {
      const found = await approx[m](q);
      if (found.length < K) short++;
      // BM25 has no approximate mode: its results are its ground truth.
      sum += m === 'bm25' ? 1 : recallAt10(found, await exactRuns[m](q));
    }
    recall[m] = { recall: sum / qs.length, short };
  }

  console.log(`${d.name}: warm-up, then ${ROUNDS} timed rounds of ${qs.length} queries per search...`);
  for (const m of TIMED) for (const q of qs) await approx[m](q);
  const latencies: Record<Timed, number[]> = { bm25: [], dense: [], hybrid: [], 'bm25@100': [], 'dense@100': [] };
  const wall = zeros();
  const roundMeans: Record<Timed, number>[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const means = zeros();
    // Rotate the order, so no search always runs in another's wake (GC, caches).
    for (let j = 0; j < TIMED.length; j++) {
      const m = TIMED[(round + j) % TIMED.length]!;
      const run = approx[m];
      const start = process.hrtime.bigint();
      for (const q of qs) {
        const t = performance.now();
        await run(q);
        latencies[m].push(performance.now() - t);
      }
      const secs = seconds(start);
      wall[m] += secs;
      means[m] = (secs * 1000) / qs.length;
    }
    roundMeans.push(means);
  }

  const timed = {} as Record<Timed, LatencySummary>;
  for (const m of TIMED) timed[m] = summarize(latencies[m], wall[m]);
  const methods = {} as Record<Method, MethodResult>;
  for (const m of METHODS) {
    methods[m] = { ...timed[m], recallAt10: recall[m].recall, exact: m === 'bm25', shortResults: recall[m].short };
  }
  const ratio = (of: (t: Record<Timed, number>) => number, over: (t: Record<Timed, number>) => number): Ratio => {
    const pick = (f: (s: LatencySummary) => number) => {
      const values = zeros();
      for (const m of TIMED) values[m] = f(timed[m]);
      return of(values) / over(values);
    };
    return {
      p50: pick((s) => s.p50Ms),
      p99: pick((s) => s.p99Ms),
      mean: pick((s) => s.meanMs),
      perRound: roundMeans.map((r) => of(r) / over(r)),
    };
  };
  return {
    name: d.name,
    rows: d.rows,
    dim: d.dim,
    queries: qs.length,
    build: d.build,
    text: d.text,
    methods,
    hybridParts: { 'bm25@100': timed['bm25@100'], 'dense@100': timed['dense@100'] },
    ratios: {
      hybridOverDense: ratio(
        (t) => t.hybrid,
        (t) => t.dense,
      ),
      hybridOverBm25: ratio(
        (t) => t.hybrid,
        (t) => t.bm25,
      ),
      // p50 and p99 of a sum are not sums of p50s and p99s: read this row's mean (and per-round) figures.
      hybridOverItsParts: ratio(
        (t) => t.hybrid,
        (t) => t['bm25@100'] + t['dense@100'],
      ),
    },
  };
}

async function main(): Promise<void> {
  const started = process.hrtime.bigint();
  const cpu = cpus()[0]?.model ?? 'unknown';
  console.log(`Search benchmark: rows=${ROWS}, queries=${QUERIES}, rounds=${ROUNDS}, k=${K} on ${cpu}`);
  const work = await mkdtemp(join(tmpdir(), 'quiver-bench-search-'));
  const results: DatasetResult[] = [];
  try {
    console.log('SciFact: embedding and loading...');
    const scifact = await loadSciFact({
      folder: SCIFACT,
      maxRows: ROWS,
      maxQueries: QUERIES,
      storeFolder: join(work, 'scifact'),
    });
    results.push(await measure(scifact));
    await scifact.close();

    console.log('synthetic: generating and loading...');
    const synthetic = await loadSynthetic({
      rows: ROWS,
      dim: SYNTHETIC_DIM,
      queries: QUERIES,
      vocabulary: 30_000,
      minWords: 40,
      maxWords: 80,
      queryWords: 3,
      seed: 7,
      storeFolder: join(work, 'synthetic'),
    });
    results.push(await measure(synthetic));
    await synthetic.close();
  } finally {
    await rm(work, { recursive: true, force: true });
  }

  const build = (r: DatasetResult) => r.build;
  printTable(
    'Build (one bulk load per dataset: insert, then one flush seals it: HNSW + BM25 + segment file)',
    ['dataset', 'rows', 'dim', 'embed or generate s', 'insert s', 'flush s', 'terms/row', 'postings/query'],
    results.map((r) => [
      r.name,
      r.rows,
      r.dim,
      build(r).embedSeconds ?? build(r).generateSeconds ?? 0,
      build(r).insertSeconds!,
      build(r).flushSeconds!,
      r.text.termsPerRow,
      Math.round(r.text.postingsPerQuery),
    ]),
  );
  printTable(
    `Search, k=${K}, one query at a time, ids only (${ROUNDS} rounds pooled)`,
    ['dataset', 'method', 'p50 ms', 'p99 ms', 'QPS', 'recall@10', 'recall measured against'],
    results.flatMap((r) => [
      ...METHODS.map((m) => [
        r.name,
        m,
        r.methods[m].p50Ms,
        r.methods[m].p99Ms,
        r.methods[m].qps,
        r.methods[m].recallAt10,
        m === 'bm25' ? 'itself (exact by construction)' : m === 'dense' ? 'exact: true' : 'hybrid, vector exact: true',
      ]),
      ...PARTS.map((m) => [
        r.name,
        `${m} (hybrid's part)`,
        r.hybridParts[m].p50Ms,
        r.hybridParts[m].p99Ms,
        r.hybridParts[m].qps,
        '–',
        '–',
      ]),
    ]),
  );
  printTable(
    'Latency ratios, same rounds (mean = QPS ratio inverted; per round: the ratio of mean latencies in each round)',
    ['dataset', 'ratio', 'p50', 'p99', 'mean', 'per-round median', 'per-round range'],
    results.flatMap((r) =>
      (
        [
          ['hybrid ÷ dense', r.ratios.hybridOverDense],
          ['hybrid ÷ bm25', r.ratios.hybridOverBm25],
          ['hybrid ÷ (bm25@100 + dense@100)', r.ratios.hybridOverItsParts],
        ] as const
      ).map(([label, x]) => [
        r.name,
        label,
        x === r.ratios.hybridOverItsParts ? '–' : x.p50,
        x === r.ratios.hybridOverItsParts ? '–' : x.p99,
        x.mean,
        median(x.perRound),
        `${Math.min(...x.perRound).toFixed(2)}–${Math.max(...x.perRound).toFixed(2)}`,
      ]),
    ),
  );

  const totalSeconds = seconds(started);
  const output = {
    config: {
      rows: ROWS,
      syntheticDim: SYNTHETIC_DIM,
      queries: QUERIES,
      rounds: ROUNDS,
      k: K,
      index: 'HNSW defaults (M 16, efConstruction 200, ef 64)',
      hybrid: {
        fusion: { method: 'weighted', normalize: 'minmax', text: DEFAULT_TEXT_WEIGHT, vector: DEFAULT_VECTOR_WEIGHT },
        limit: 'default: max(100, k) candidates per sub-search',
      },
      cpu,
      cores: availableParallelism(),
      memoryGB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      date: new Date().toISOString(),
      totalSeconds,
    },
    datasets: results,
  };
  await writeFile(new URL('./results/search.json', import.meta.url), `${JSON.stringify(output, null, 2)}\n`);
  console.log(`\nwrote bench/results/search.json (${totalSeconds.toFixed(0)} s in all)`);
}

await main();
