/**
 * One peer system in its own process, so its RSS high-water mark is its own: `build` creates the store,
 * inserts every row in batches and finishes it (indexes, flush, persist). A store that persists is then closed
 * and measured on disk, and the driver starts a second child (`query`) that reopens it cold and runs the
 * searches; an in-memory store is searched in the same child. The report goes to a JSON file.
 *
 * Usage (the driver runs it): node --import tsx bench/peers/child.ts <system> <build|query> <inputs dir> <report file>
 */

import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recallAt, rssMB, seconds } from '../lib/measure.js';
import { readBuckets, readConfig, readQueries, readTruth, readVectors } from './dataset.js';
import { timeSearches } from './timing.js';
import {
  type FilteredSearch,
  type PeerRow,
  type PeerStore,
  type PeerSystem,
  type PhaseReport,
  settingLabel,
} from './types.js';

const [name, phase, dir, out] = process.argv.slice(2);
if (!name || (phase !== 'build' && phase !== 'query') || !dir || !out) {
  throw new Error('usage: child.ts <system> <build|query> <inputs dir> <report file>');
}
const config = readConfig(dir);
const system: PeerSystem = (await import(new URL(`./${name}.ts`, import.meta.url).href)).default;
const storeDir = join(dir, `store-${name}`);
const storeOptions = { dim: config.dim, rows: config.n };
const log = (line: string) => console.log(`[${name}] ${line}`);

function diskBytes(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.size;
  return readdirSync(path).reduce((sum, entry) => sum + diskBytes(join(path, entry)), 0);
}

async function measureSearches(store: PeerStore, report: PhaseReport): Promise<void> {
  const queries = readQueries(dir!);
  const truth = readTruth(dir!);
  const query = (i: number) => queries.subarray(i * config.dim, (i + 1) * config.dim);
  const timing = {
    k: config.k,
    rounds: config.rounds,
    roundSeconds: 1,
    budgetSeconds: config.budgetSeconds,
    warmupSeconds: 2,
  };
  report.sweep = [];
  for (const setting of system.sweep) {
    const label = settingLabel(setting);
    const t = await timeSearches(
      label,
      config.queries,
      (i) => store.search(query(i), config.k, setting),
      truth.unfiltered,
      timing,
    );
    log(`${label}: recall@${config.k} ${t.recall.toFixed(3)}, ${t.qps.toFixed(0)} QPS, p99 ${t.p99Ms.toFixed(2)} ms`);
    report.sweep.push(t);
  }
  // The operating point: the fastest setting that reaches recall 0.95, else the one with the best recall.
  const good = report.sweep.filter((t) => t.recall >= 0.95);
  const pick = (good.length > 0 ? good : report.sweep).reduce((a, b) =>
    good.length > 0 ? (b.qps > a.qps ? b : a) : b.recall > a.recall ? b : a,
  );
  report.operating = { ...pick, reached: good.length > 0 };
  const setting = system.sweep[report.sweep.indexOf(pick)]!;
  report.filtered = [];
  for (const threshold of config.thresholds) {
    const t = await timeSearches(
      settingLabel(setting),
      config.queries,
      (i) => store.search(query(i), config.k, setting, threshold),
      truth.filtered[threshold]!,
      timing,
    );
    const f: FilteredSearch = { ...t, selectivity: threshold / 1000 };
    log(`filter bucket < ${threshold}: recall ${f.recall.toFixed(3)}, ${f.qps.toFixed(1)} QPS, min hits ${f.minHits}`);
    report.filtered.push(f);
  }
  if (store.describe) report.layout = await store.describe();
}

async function build(report: PhaseReport): Promise<void> {
  const vectors = readVectors(dir!);
  const bucket = readBuckets(dir!);
  report.inputsRssMB = rssMB();
  const store = await system.create(storeDir, storeOptions);
  log(`inserting ${config.n} rows in batches of ${config.batch} (node ${process.version})`);
  let t0 = process.hrtime.bigint();
  for (let start = 0; start < config.n; start += config.batch) {
    const rows: PeerRow[] = [];
    for (let i = start; i < Math.min(config.n, start + config.batch); i++) {
      rows.push({ id: i, vector: vectors.subarray(i * config.dim, (i + 1) * config.dim), bucket: bucket[i]! });
    }
    await store.insert(rows);
  }
  const insertSeconds = seconds(t0);
  t0 = process.hrtime.bigint();
  await store.finish();
  report.ingest = { rows: config.n, insertSeconds, finishSeconds: seconds(t0) };
  log(`insert ${insertSeconds.toFixed(1)} s, finish ${report.ingest.finishSeconds.toFixed(1)} s`);
  if (system.open) {
    if (store.describe) report.layout = await store.describe();
    await store.close();
    report.diskBytes = diskBytes(storeDir);
    return;
  }
  report.phase = 'all';
  await measureSearches(store, report);
  await store.close();
}

async function query(report: PhaseReport): Promise<void> {
  if (!system.open) throw new Error(`${system.name} does not persist`);
  const queries = readQueries(dir!);
  const truth = readTruth(dir!);
  report.inputsRssMB = rssMB();
  const t0 = process.hrtime.bigint();
  const store = await system.open(storeDir, storeOptions);
  const ids = await store.search(queries.subarray(0, config.dim), config.k, system.sweep[0]!);
  report.coldOpenMs = seconds(t0) * 1000;
  report.coldRecall = recallAt(ids, truth.unfiltered[0]!, config.k);
  log(`cold open + first query: ${report.coldOpenMs.toFixed(0)} ms`);
  await measureSearches(store, report);
  await store.close();
}

const about = { name: system.name, index: system.index, filtering: system.filtering, threads: system.threads };
const report: PhaseReport = { phase, about, node: process.version, peakRssMB: 0, inputsRssMB: 0 };
try {
  await (phase === 'build' ? build(report) : query(report));
  report.peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
  writeFileSync(out, JSON.stringify(report));
} catch (err) {
  // The driver reports the failure by this message; the stack goes to stderr as usual.
  writeFileSync(`${out}.error`, JSON.stringify({ message: `${(err as Error).message ?? err}`, about }));
  throw err;
}
