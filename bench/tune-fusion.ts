/**
 * Fusion tuning study on BEIR SciFact, document level: chooses BM25 parameters, a title boost, RM3 and the
 * default hybrid fusion on the TRAIN queries (809), then reports the TEST queries (300) for every row, so a
 * reader can see how the train-chosen settings generalize. Nothing is chosen on test.
 *
 * - BM25 over `title + " " + text` with the default analyzer, scored here with Lucene's formula from the
 *   index's postings (checked against `BM25Index.search` at start) so that weighted queries (RM3) and a
 *   title field can be summed.
 * - Dense: the offline default model (GloVe-SIF), exact cosine, over the whole document and over word
 *   windows (title + 64 and title + 200 words, 25% overlap), a document scoring as its best chunk.
 * - Fusion: `fuse()` from src/store/fusion over the top FUSE_DEPTH (default 100, as hybridSearch's default
 *   `limit`) of each list, BM25 first; the chosen configurations are also run over the top 1000.
 * - Paired comparison, on train, against BM25 at the store's defaults (k1 1.2, b 0.75): mean nDCG@10
 *   difference, queries better and worse, and a two-sided sign-flip randomization p (10,000 draws, seeded).
 *   A change is kept only if it is better on train with p < 0.05.
 *
 * Run: npx tsx bench/tune-fusion.ts   (~105 s on 2 cores, ~40 s of it embedding; writes bench/results/tune-fusion.json)
 * A study script, not library code: it is longer than the usual file because every step is in view.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDefaultEmbedder } from '../src/embed/default-embedder.js';
import { loadBeirEvalSet } from '../src/retrieve/eval/beir.js';
import { type Judgements, meanMetrics, queryMetrics } from '../src/retrieve/eval/metrics.js';
import { adaptiveWeights } from '../src/store/fusion/adaptive.js';
import { fuse } from '../src/store/fusion/fuse.js';
import type { FusionSpec, RankedList } from '../src/store/fusion/types.js';
import { createAnalyzer } from '../src/store/text/analyzer.js';
import { BM25Index } from '../src/store/text/bm25-index.js';
import { bm25Idf } from '../src/store/text/bm25-score.js';
import { mulberry32 } from './lib/clustered.js';
import { printTable } from './lib/measure.js';

const DATA = process.env.SCIFACT_DIR ?? new URL('../../shared/data/scifact', import.meta.url).pathname;
const FUSE_DEPTH = Number(process.env.FUSE_DEPTH ?? 100);
const POOL = 1000;
const DEFAULT_BM25 = { k1: 1.2, b: 0.75 };
const started = Date.now();

interface Doc {
  _id: string;
  title: string;
  text: string;
}
interface Query {
  id: string;
  split: 'train' | 'test';
  terms: Map<string, number>;
  vector: Float32Array;
  qrels: Judgements;
}
/** A ranked run for one query: corpus rows best-first with their scores. */
type Ranked = RankedList<number>;
interface Row {
  group: string;
  method: string;
  params: string;
  train: { ndcg10: number; recall100: number };
  test: { ndcg10: number; recall100: number };
  vsBM25: { meanDiff: number; better: number; worse: number; p: number };
  perQuery: Map<string, number>;
}

const docs: Doc[] = readFileSync(join(DATA, 'corpus.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as Doc);
const analyzer = createAnalyzer();
const bag = (terms: string[]) => {
  const m = new Map<string, number>();
  for (const t of terms) m.set(t, (m.get(t) ?? 0) + 1);
  return m;
};

// ---- lexical ------------------------------------------------------------------------------------------
const full = BM25Index.build(
  docs.map((d) => `${d.title} ${d.text}`),
  analyzer,
);
const titles = BM25Index.build(
  docs.map((d) => d.title),
  analyzer,
);

/** Σ_term queryWeight · Lucene BM25, added into `out` times `scale`: the whole corpus at once. */
function bm25(index: BM25Index, query: Map<string, number>, k1: number, b: number, out?: Float64Array, scale = 1) {
  const acc = out ?? new Float64Array(index.rowCount);
  const avg = index.totalLength / index.docCount;
  for (const [term, qw] of query) {
    const id = index.termId(term);
    if (id === undefined) continue;
    const w = scale * qw * bm25Idf(index.docCount, index.docFreq(term)) * (k1 + 1);
    const { rows, freqs } = index.postings(id);
    for (let i = 0; i < rows.length; i++) {
      const tf = freqs[i]!;
      acc[rows[i]!]! += (w * tf) / (tf + k1 * (1 - b + (b * index.lengths[rows[i]!]!) / avg));
    }
  }
  return acc;
}

function topRows(scores: Float64Array, k: number, positiveOnly: boolean): Ranked {
  const rows: number[] = [];
  for (let i = 0; i < scores.length; i++) if (!positiveOnly || scores[i]! > 0) rows.push(i);
  rows.sort((a, b) => scores[b]! - scores[a]! || a - b);
  const keys = rows.slice(0, k);
  return { keys, scores: keys.map((r) => scores[r]!) };
}

const docTermCache = new Map<number, Map<string, number>>();
function docTerms(row: number): Map<string, number> {
  let v = docTermCache.get(row);
  if (!v) {
    v = bag(analyzer.analyze(`${docs[row]!.title} ${docs[row]!.text}`));
    docTermCache.set(row, v);
  }
  return v;
}

/**
 * RM3 as Anserini does it: the relevance model Σ_d P(t|d) · score(d) over the top fbDocs (terms in over 10%
 * of the corpus dropped), its top fbTerms L1-normalized, interpolated with the L1-normalized query.
 */
function rm3(query: Map<string, number>, fbDocs: number, fbTerms: number, originalWeight: number) {
  const first = bm25(full, query, DEFAULT_BM25.k1, DEFAULT_BM25.b);
  const fb = topRows(first, fbDocs, true);
  const model = new Map<string, number>();
  fb.keys.forEach((row, i) => {
    const terms = docTerms(row);
    let length = 0;
    for (const c of terms.values()) length += c;
    for (const [t, c] of terms) {
      if (full.docFreq(t) / full.docCount > 0.1) continue;
      model.set(t, (model.get(t) ?? 0) + (c / length) * fb.scores[i]!);
    }
  });
  const best = [...model].sort((a, b) => b[1] - a[1]).slice(0, fbTerms);
  const modelSum = best.reduce((s, [, w]) => s + w, 0);
  const querySum = [...query.values()].reduce((s, w) => s + w, 0);
  const out = new Map<string, number>();
  for (const [t, w] of query) out.set(t, (originalWeight * w) / querySum);
  for (const [t, w] of best) out.set(t, (out.get(t) ?? 0) + ((1 - originalWeight) * w) / modelSum);
  return out;
}

// ---- evaluation ---------------------------------------------------------------------------------------
const trainSet = await loadBeirEvalSet(DATA, 'train');
const testSet = await loadBeirEvalSet(DATA, 'test');
console.log(
  `SciFact: ${docs.length} docs, ${trainSet.queries.length} train and ${testSet.queries.length} test queries`,
);

const embedder = await createDefaultEmbedder({ cacheDir: join(tmpdir(), 'quiver-test-models'), model: 'glove-sif' });
const queries: Query[] = [];
for (const set of [trainSet, testSet]) {
  for (const q of set.queries) {
    queries.push({
      id: q.id,
      split: set.split as 'train' | 'test',
      terms: bag(analyzer.analyze(q.text)),
      vector: await embedder.embedQuery(q.text),
      qrels: set.qrels.get(q.id)!,
    });
  }
}

// The scorer here must be the store's BM25: compare the top 10 of the first 50 queries.
for (const q of queries.slice(0, 50)) {
  const mine = topRows(bm25(full, q.terms, 1.2, 0.75), 10, true).keys;
  const store = Array.from(
    full.search(
      [...q.terms].flatMap(([t, c]) => Array(c).fill(t)),
      10,
      DEFAULT_BM25,
    ).rows,
  );
  if (mine.join() !== store.join()) throw new Error(`BM25 mismatch on query ${q.id}: ${mine} vs ${store}`);
}

const rng = mulberry32(20240601);
function pairedP(diffs: number[]): number {
  const observed = Math.abs(diffs.reduce((s, d) => s + d, 0));
  let extreme = 0;
  const draws = 10_000;
  for (let i = 0; i < draws; i++) {
    let s = 0;
    for (const d of diffs) s += rng() < 0.5 ? d : -d;
    if (Math.abs(s) >= observed - 1e-12) extreme++;
  }
  return (extreme + 1) / (draws + 1);
}

const rows: Row[] = [];
let baseline: Map<string, number> | undefined;

function evaluate(group: string, method: string, params: string, rank: (q: Query) => Ranked | number[]): Row {
  const per = { train: [] as ReturnType<typeof queryMetrics>[], test: [] as ReturnType<typeof queryMetrics>[] };
  const perQuery = new Map<string, number>();
  for (const q of queries) {
    const r = rank(q);
    const ids = (Array.isArray(r) ? r : r.keys).slice(0, 100).map((row) => docs[row]!._id);
    const m = queryMetrics(ids, q.qrels);
    per[q.split].push(m);
    if (q.split === 'train') perQuery.set(q.id, m.ndcg10);
  }
  const base = baseline ?? perQuery;
  const diffs = [...perQuery].map(([id, v]) => v - base.get(id)!);
  const train = meanMetrics(per.train);
  const test = meanMetrics(per.test);
  const row: Row = {
    group,
    method,
    params,
    train: { ndcg10: train.ndcg10, recall100: train.recall100 },
    test: { ndcg10: test.ndcg10, recall100: test.recall100 },
    vsBM25: {
      meanDiff: diffs.reduce((s, d) => s + d, 0) / diffs.length,
      better: diffs.filter((d) => d > 1e-9).length,
      worse: diffs.filter((d) => d < -1e-9).length,
      p: diffs.every((d) => Math.abs(d) < 1e-12) ? 1 : pairedP(diffs),
    },
    perQuery,
  };
  rows.push(row);
  const t = (x: number) => x.toFixed(4);
  console.log(
    `${group.padEnd(8)} ${`${method} ${params}`.padEnd(44)} train ${t(row.train.ndcg10)} ${t(row.train.recall100)}  test ${t(row.test.ndcg10)} ${t(row.test.recall100)}  Δ ${row.vsBM25.meanDiff >= 0 ? '+' : ''}${t(row.vsBM25.meanDiff)} p ${row.vsBM25.p.toFixed(3)}`,
  );
  return row;
}

/** Kept only when better than `than` on train with p < 0.05 (the paired test is against BM25 defaults). */
const helps = (r: Row, than: Row) => r.train.ndcg10 > than.train.ndcg10 && r.vsBM25.p < 0.05;

// ---- 1. BM25 grid ---------------------------------------------------------------------------------------
const bm25Runs = new Map<Query, Ranked>();
for (const q of queries) bm25Runs.set(q, topRows(bm25(full, q.terms, 1.2, 0.75), POOL, true));
const base = evaluate('bm25', 'BM25', 'k1 1.2 b 0.75 (store default)', (q) => bm25Runs.get(q)!);
baseline = base.perQuery;
let bestGrid = base;
for (const k1 of [0.9, 1.2, 1.5]) {
  for (const b of [0.4, 0.6, 0.75]) {
    if (k1 === 1.2 && b === 0.75) continue;
    const r = evaluate('bm25', 'BM25', `k1 ${k1} b ${b}`, (q) => topRows(bm25(full, q.terms, k1, b), 100, true));
    if (helps(r, bestGrid)) bestGrid = r;
  }
}

// ---- 2. title boost ---------------------------------------------------------------------------------------
let bestTitle: Row | undefined;
let titleWeight = 0;
for (const w of [0.1, 0.2, 0.3, 0.5]) {
  const r = evaluate('title', 'BM25 + w·BM25(title)', `w ${w}, both k1 1.2 b 0.75`, (q) =>
    topRows(bm25(titles, q.terms, 1.2, 0.75, bm25(full, q.terms, 1.2, 0.75), w), 100, true),
  );
  if (helps(r, bestTitle ?? base)) {
    bestTitle = r;
    titleWeight = w;
  }
}

// ---- 3. RM3 -------------------------------------------------------------------------------------------------
let bestRm3: Row | undefined;
for (const fbDocs of [5, 10]) {
  for (const fbTerms of [10, 20]) {
    for (const w of [0.5, 0.7, 0.85]) {
      const r = evaluate('rm3', 'BM25 + RM3', `fbDocs ${fbDocs} fbTerms ${fbTerms} orig ${w}`, (q) =>
        topRows(bm25(full, rm3(q.terms, fbDocs, fbTerms, w), 1.2, 0.75), 100, true),
      );
      if (helps(r, bestRm3 ?? base)) bestRm3 = r;
    }
  }
}

// ---- 4. dense and fusion ----------------------------------------------------------------------------------
function windows(d: Doc, size: number): string[] {
  const words = d.text.split(/\s+/).filter((w) => w !== '');
  const stride = Math.round(size * 0.75);
  const out: string[] = [];
  for (let s = 0; ; s += stride) {
    out.push(`${d.title} ${words.slice(s, s + size).join(' ')}`);
    if (s + size >= words.length) break;
  }
  return out;
}

/** Exact cosine (the vectors are unit length): each document scores as its best text. */
async function denseRuns(texts: string[], owner: number[]): Promise<Map<Query, Ranked>> {
  const vectors = await embedder.embedDocuments(texts);
  const dim = embedder.dimension;
  const flat = new Float32Array(vectors.length * dim);
  for (let i = 0; i < vectors.length; i++) flat.set(vectors[i]!, i * dim);
  const runs = new Map<Query, Ranked>();
  const best = new Float64Array(docs.length);
  for (const q of queries) {
    best.fill(-Infinity);
    const qv = q.vector;
    for (let i = 0, off = 0; i < vectors.length; i++, off += dim) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += flat[off + j]! * qv[j]!;
      const d = owner[i]!;
      if (s > best[d]!) best[d] = s;
    }
    runs.set(q, topRows(best, POOL, false));
  }
  return runs;
}

const dense = new Map<string, Map<Query, Ranked>>();
const denseStart = Date.now();
dense.set(
  'doc',
  await denseRuns(
    docs.map((d) => `${d.title} ${d.text}`),
    docs.map((_, i) => i),
  ),
);
for (const size of [64, 200]) {
  const texts: string[] = [];
  const owner: number[] = [];
  docs.forEach((d, i) => {
    for (const t of windows(d, size)) {
      texts.push(t);
      owner.push(i);
    }
  });
  dense.set(`chunk${size}`, await denseRuns(texts, owner));
}
const denseSeconds = (Date.now() - denseStart) / 1000;
for (const [name, runs] of dense) evaluate('dense', `GloVe-SIF ${name}`, 'exact cosine', (q) => runs.get(q)!);

const cut = (r: Ranked, n: number): Ranked => ({ keys: r.keys.slice(0, n), scores: r.scores.slice(0, n) });
const specs: [string, FusionSpec][] = [
  ['rrf k 60', { method: 'rrf', k: 60 }],
  ...[0, 0.05, 0.1, 0.2, 0.3].map((w): [string, FusionSpec] => [
    `minmax dense ${w}`,
    { method: 'weighted', weights: [1 - w, w], normalize: 'minmax' },
  ]),
  ...[0.05, 0.1, 0.2, 0.3].map((w): [string, FusionSpec] => [
    `zscore dense ${w}`,
    { method: 'weighted', weights: [1 - w, w], normalize: 'zscore' },
  ]),
  ...[10, 20].flatMap((depth) =>
    [0.25, 0.5, 1].map((w): [string, FusionSpec] => [
      `adaptive depth ${depth} dense ${w}`,
      { method: 'adaptive', anchor: 0, depth, weights: [1, w] },
    ]),
  ),
];

const fusion = new Map<string, Row[]>();
for (const [variant, runs] of dense) {
  for (const [name, spec] of specs) {
    const r = evaluate(`fuse ${FUSE_DEPTH}`, `BM25 + ${variant}`, name, (q) =>
      fuse([cut(bm25Runs.get(q)!, FUSE_DEPTH), cut(runs.get(q)!, FUSE_DEPTH)], spec, 100).map((h) => h.key),
    );
    fusion.set(name, [...(fusion.get(name) ?? []), r]);
  }
}

// The default: a spec that gives the dense list some weight, is significantly worse than BM25 on train for no
// dense variant (Δ < 0 with p < 0.05), and has the best mean train Δ over the variants (ties: the earlier).
// The best worst-case Δ is printed too, since the two rules can differ when every Δ is within noise.
const usesDense = (spec: FusionSpec) => spec.method !== 'weighted' || spec.weights[1]! > 0;
const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
const eligible = specs.filter(
  ([name, spec]) => usesDense(spec) && fusion.get(name)!.every((r) => r.vsBM25.meanDiff >= 0 || r.vsBM25.p >= 0.05),
);
const byMean = ([name]: [string, FusionSpec]) => mean(fusion.get(name)!.map((r) => r.vsBM25.meanDiff));
const byWorst = ([name]: [string, FusionSpec]) => Math.min(...fusion.get(name)!.map((r) => r.vsBM25.meanDiff));
const argmax = (score: (s: [string, FusionSpec]) => number) =>
  eligible.reduce((best, s) => (score(s) > score(best) + 1e-12 ? s : best), eligible[0]!);
const chosen = argmax(byMean);
const maximin = argmax(byWorst);
console.log(
  `\nchosen default fusion: ${chosen[0]} (mean train Δ ${byMean(chosen).toFixed(4)}, worst ${byWorst(chosen).toFixed(4)}); ` +
    `best worst-case: ${maximin[0]} (mean ${byMean(maximin).toFixed(4)}, worst ${byWorst(maximin).toFixed(4)})`,
);
for (const [variant, runs] of dense) {
  for (const [name, spec] of [...new Set([chosen, maximin, specs[0]!])]) {
    evaluate(`fuse ${POOL}`, `BM25 + ${variant}`, name, (q) =>
      fuse([bm25Runs.get(q)!, runs.get(q)!], spec, 100).map((h) => h.key),
    );
  }
}
if (bestTitle) {
  const tRuns = new Map<Query, Ranked>();
  const w = titleWeight;
  for (const q of queries)
    tRuns.set(q, topRows(bm25(titles, q.terms, 1.2, 0.75, bm25(full, q.terms, 1.2, 0.75), w), POOL, true));
  for (const [variant, runs] of dense) {
    evaluate(`fuse ${FUSE_DEPTH}`, `BM25+title ${w} + ${variant}`, chosen[0], (q) =>
      fuse([cut(tRuns.get(q)!, FUSE_DEPTH), cut(runs.get(q)!, FUSE_DEPTH)], chosen[1], 100).map((h) => h.key),
    );
  }
}

// How the chosen adaptive spec weighs the dense list, by how much it agrees with BM25.
const weightStats: Record<string, { meanDenseWeight: number; zeroWeightShare: number }> = {};
if (chosen[1].method === 'adaptive') {
  const spec = chosen[1];
  for (const [variant, runs] of dense) {
    const ws = queries.map(
      (q) =>
        adaptiveWeights(
          [cut(bm25Runs.get(q)!, FUSE_DEPTH), cut(runs.get(q)!, FUSE_DEPTH)],
          0,
          spec.weights ?? [1, 0.5],
          spec.depth ?? 10,
        )[1]!,
    );
    weightStats[variant] = {
      meanDenseWeight: ws.reduce((s, w) => s + w, 0) / ws.length,
      zeroWeightShare: ws.filter((w) => w === 0).length / ws.length,
    };
  }
  console.log('adaptive dense weight per query:', JSON.stringify(weightStats));
}
await embedder.dispose();

// ---- report -------------------------------------------------------------------------------------------------
const f = (x: number) => x.toFixed(4);
printTable(
  'SciFact, document level (choices made on train; Δ, better/worse and p are train nDCG@10 vs BM25 k1 1.2 b 0.75)',
  ['group', 'method', 'params', 'train nDCG@10', 'train R@100', 'test nDCG@10', 'test R@100', 'Δ train', '+/−', 'p'],
  rows.map((r) => [
    r.group,
    r.method,
    r.params,
    f(r.train.ndcg10),
    f(r.train.recall100),
    f(r.test.ndcg10),
    f(r.test.recall100),
    `${r.vsBM25.meanDiff >= 0 ? '+' : ''}${f(r.vsBM25.meanDiff)}`,
    `${r.vsBM25.better}/${r.vsBM25.worse}`,
    r.vsBM25.p.toFixed(3),
  ]),
);
const seconds = (Date.now() - started) / 1000;
const verdict = {
  bm25: `${bestGrid.params}${bestGrid === base ? ' (no grid point beat the default on train with p < 0.05)' : ''}`,
  titleBoost: bestTitle ? bestTitle.params : 'not kept: no weight helped on train with p < 0.05',
  rm3: bestRm3 ? bestRm3.params : 'not kept: no setting helped on train with p < 0.05',
  fusion: chosen[0],
  fusionSpec: chosen[1],
  fusionMeanTrainDelta: byMean(chosen),
  bestWorstCase: maximin[0],
};
console.log(
  `\n${JSON.stringify(verdict, null, 2)}\ntotal ${seconds.toFixed(0)} s (dense embedding and search ${denseSeconds.toFixed(0)} s)`,
);
writeFileSync(
  new URL('./results/tune-fusion.json', import.meta.url),
  `${JSON.stringify(
    {
      dataset: 'BEIR SciFact (corpus 5183 docs; train 809 queries, test 300)',
      settings: {
        fuseDepth: FUSE_DEPTH,
        pool: POOL,
        baseline: 'BM25 k1 1.2 b 0.75',
        pairedTest: 'sign-flip, 10000 draws',
      },
      verdict,
      adaptiveWeights: weightStats,
      rows: rows.map(({ perQuery: _, ...r }) => r),
      seconds,
    },
    null,
    2,
  )}\n`,
);
console.log('wrote bench/results/tune-fusion.json');
