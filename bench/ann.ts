/**
 * ANN benchmark: Quiver's store against raw hnswlib-node, same data, same M/efConstruction/ef, same run.
 * Data: clustered 384-d vectors (BENCH_N rows, default 100k) with an int field `bucket` uniform in
 * [0, 1000), so `bucket < t` selects t/1000 of the rows. Prints tables and writes bench/results/ann.json.
 *
 * Quiver is configured for a bulk load (the growing segment holds every row, then one flush seals it), so
 * both sides build one HNSW graph over the same rows.
 *
 * Run: npm run bench:ann     (BENCH_N=20000 npm run bench:ann for a quick run)
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import { Quiver } from '../src/index.js';
import { clusteredVectors, mulberry32 } from './lib/clustered.js';
import { exactTopK, normalizeRows, printTable, recallAt, rssMB, seconds } from './lib/measure.js';

const N = Number(process.env.BENCH_N ?? 100_000);
const DIM = 384;
const NQ = Number(process.env.BENCH_Q ?? 200);
const K = 10;
const M = 16;
const EF_CONSTRUCTION = 200;
const EFS = [16, 32, 64, 128];
const SELECTIVITIES = [0.001, 0.01, 0.1, 0.5];
const DEFAULT_EF = 64;

async function main(): Promise<void> {
  console.log(`ANN benchmark: n=${N}, dim=${DIM}, queries=${NQ}, M=${M}, efConstruction=${EF_CONSTRUCTION}`);
  const all = clusteredVectors({
    n: N + NQ,
    dim: DIM,
    clusters: Math.max(10, Math.round(N / 1000)),
    sigma: 2,
    seed: 7,
  });
  normalizeRows(all, DIM);
  const data = all.subarray(0, N * DIM);
  const queries = Array.from({ length: NQ }, (_, i) => all.subarray((N + i) * DIM, (N + i + 1) * DIM));
  const r = mulberry32(11);
  const bucket = Int32Array.from({ length: N }, () => Math.floor(r() * 1000));

  console.log('computing exact ground truth...');
  const truth = queries.map((q) => exactTopK(data, DIM, q, K));
  const filteredTruth = SELECTIVITIES.map((s) => {
    const t = Math.round(s * 1000);
    return queries.map((q) => exactTopK(data, DIM, q, K, (row) => bucket[row]! < t));
  });

  // Raw hnswlib-node: the baseline.
  console.log('building raw hnswlib-node index...');
  const rssBeforeRaw = rssMB();
  let t0 = process.hrtime.bigint();
  const raw = new hnswlib.HierarchicalNSW('ip', DIM);
  raw.initIndex({ maxElements: N, m: M, efConstruction: EF_CONSTRUCTION, randomSeed: 100 });
  for (let i = 0; i < N; i++) raw.addPoint(Array.from(data.subarray(i * DIM, (i + 1) * DIM)), i);
  const rawSeconds = seconds(t0);
  const rawRssMB = rssMB() - rssBeforeRaw;

  // Quiver: bulk insert, then one flush seals and indexes everything.
  console.log('building Quiver collection...');
  const folder = mkdtempSync(join(tmpdir(), 'quiver-bench-ann-'));
  const rssBefore = rssMB();
  t0 = process.hrtime.bigint();
  const db = await Quiver.open({ path: folder, collection: { growingRows: N + 1 } });
  const c = await db.createCollection('bench', {
    fields: [
      { name: 'id', type: 'int', primary: true },
      {
        name: 'v',
        type: 'vector',
        dim: DIM,
        metric: 'cosine',
        index: { type: 'HNSW', M, efConstruction: EF_CONSTRUCTION },
      },
      { name: 'bucket', type: 'int' },
    ],
  });
  for (let start = 0; start < N; start += 2000) {
    const rows = [];
    for (let i = start; i < Math.min(N, start + 2000); i++) {
      rows.push({ id: i, v: data.subarray(i * DIM, (i + 1) * DIM), bucket: bucket[i]! });
    }
    await c.insert(rows);
  }
  await c.flush();
  const quiverSeconds = seconds(t0);
  const quiverRssMB = rssMB() - rssBefore;

  const unfiltered = [];
  for (const ef of EFS) {
    raw.setEf(ef);
    t0 = process.hrtime.bigint();
    let rawRecall = 0;
    for (let i = 0; i < NQ; i++)
      rawRecall += recallAt(raw.searchKnn(Array.from(queries[i]!), K).neighbors, truth[i]!, K);
    const rawQps = NQ / seconds(t0);
    t0 = process.hrtime.bigint();
    let qRecall = 0;
    for (let i = 0; i < NQ; i++) {
      const { hits } = await c.search({ vector: queries[i]!, k: K, ef, outputFields: [] });
      qRecall += recallAt(
        hits.map((h) => h.id as number),
        truth[i]!,
        K,
      );
    }
    const qQps = NQ / seconds(t0);
    unfiltered.push({ ef, quiver: { qps: qQps, recall: qRecall / NQ }, raw: { qps: rawQps, recall: rawRecall / NQ } });
  }

  const filtered = [];
  for (const [si, selectivity] of SELECTIVITIES.entries()) {
    const t = Math.round(selectivity * 1000);
    raw.setEf(DEFAULT_EF);
    let rawRecall = 0;
    let rawMin = Infinity;
    t0 = process.hrtime.bigint();
    for (let i = 0; i < NQ; i++) {
      const res = raw.searchKnn(Array.from(queries[i]!), K, (label: number) => bucket[label]! < t);
      rawRecall += recallAt(res.neighbors, filteredTruth[si]![i]!, K);
      rawMin = Math.min(rawMin, res.neighbors.length);
    }
    const rawQps = NQ / seconds(t0);
    let qRecall = 0;
    let qMin = Infinity;
    t0 = process.hrtime.bigint();
    for (let i = 0; i < NQ; i++) {
      const { hits } = await c.search({
        vector: queries[i]!,
        k: K,
        filter: 'bucket < {t}',
        params: { t },
        outputFields: [],
      });
      qRecall += recallAt(
        hits.map((h) => h.id as number),
        filteredTruth[si]![i]!,
        K,
      );
      qMin = Math.min(qMin, hits.length);
    }
    const qQps = NQ / seconds(t0);
    filtered.push({
      selectivity,
      quiver: { qps: qQps, recall: qRecall / NQ, minHits: qMin },
      raw: { qps: rawQps, recall: rawRecall / NQ, minHits: rawMin },
    });
  }
  const explain = await c.search({ vector: queries[0]!, k: K, filter: 'bucket < 10', explain: true, outputFields: [] });
  await db.close();
  rmSync(folder, { recursive: true, force: true });

  const result = { n: N, dim: DIM, build: { quiverSeconds, rawSeconds, quiverRssMB, rawRssMB }, unfiltered, filtered };
  printTable(
    'Build',
    ['', 'seconds', 'RSS delta MB'],
    [
      ['Quiver (insert + WAL + seal + segment file)', quiverSeconds, quiverRssMB],
      ['raw hnswlib-node (addPoint loop)', rawSeconds, rawRssMB],
      ['ratio Quiver/raw', quiverSeconds / rawSeconds, ''],
    ],
  );
  printTable(
    `Unfiltered search, k=${K}`,
    ['ef', 'Quiver QPS', 'Quiver recall', 'raw QPS', 'raw recall', 'QPS ratio'],
    unfiltered.map((u) => [u.ef, u.quiver.qps, u.quiver.recall, u.raw.qps, u.raw.recall, u.quiver.qps / u.raw.qps]),
  );
  printTable(
    `Filtered search (bucket < t), k=${K}, default ef ${DEFAULT_EF}`,
    [
      'selectivity',
      'Quiver QPS',
      'Quiver recall',
      'Quiver min hits',
      'raw QPS',
      'raw recall',
      'raw min hits',
      'QPS ratio',
    ],
    filtered.map((f) => [
      `${f.selectivity * 100}%`,
      f.quiver.qps,
      f.quiver.recall,
      f.quiver.minHits,
      f.raw.qps,
      f.raw.recall,
      f.raw.minHits,
      f.quiver.qps / f.raw.qps,
    ]),
  );
  console.log(`\nplanner at 1%: ${JSON.stringify(explain.explain?.[0])}`);
  writeFileSync(new URL('./results/ann.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  console.log('\nwrote bench/results/ann.json');
}

await main();
