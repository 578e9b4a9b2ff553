/**
 * Peer benchmark: Quiver's embedded store beside raw hnswlib-node, LangChain's MemoryVectorStore, Orama, LanceDB
 * and Vectra, in one run, on the same data and queries, on the same machine. Data: BENCH_N (default 100k)
 * clustered 384-d vectors (as bench/ann.ts) with an int `bucket` uniform in [0, 1000); 200 queries; exact
 * top-10 as ground truth, unfiltered and for `bucket < 10` (1%) and `bucket < 100` (10%).
 *
 * Each system runs in its own child process (bench/peers/child.ts with the adapter bench/peers/<system>.ts),
 * so its peak RSS is its own; a store that persists is built in one child and reopened cold in a second. A
 * package whose `engines` asks for a newer Node than this one runs under that Node, installed from the npm
 * registry (bench/lib/node-runtime.ts). Ratios are against raw hnswlib-node from the same run.
 *
 * Writes bench/results/peers.json and bench/results/peers-recall-qps.svg, and prints Markdown tables.
 * Run: npm run bench:peers   (BENCH_N=20000 for a quick run; BENCH_SYSTEMS=quiver,hnswlib for some;
 * BENCH_CHART_ONLY=1 redraws the chart from peers.json; BENCH_KEEP=1 keeps the inputs and stores in the temp
 * folder; BENCH_OUT=peers-1m writes peers-1m.json and peers-1m-recall-qps.svg instead). A Node 22 it needs is installed once into node_modules/.cache/quiver-bench; BENCH_NODE_22=<node
 * binary> uses one you have instead.
 */

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusteredVectors, mulberry32 } from './lib/clustered.js';
import { exactTopK, normalizeRows, seconds } from './lib/measure.js';
import { runtimeFor } from './lib/node-runtime.js';
import { type BenchConfig, type GroundTruth, writeInputs } from './peers/dataset.js';
import { markdown, type PeersResult, recallQpsChart, type SystemResult } from './peers/report.js';
import type { PhaseReport } from './peers/types.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = join(ROOT, 'bench', 'results');
const OUT = process.env.BENCH_OUT ?? 'peers';
const BASELINE = 'hnswlib';

/** Adapter file (bench/peers/<id>.ts) and the npm package whose version and engines it runs under. */
const SYSTEMS = [
  { id: 'hnswlib', pkg: 'hnswlib-node' },
  { id: 'quiver', pkg: undefined },
  { id: 'quiver-one-segment', pkg: undefined },
  { id: 'lancedb', pkg: '@lancedb/lancedb' },
  { id: 'lancedb-hnsw', pkg: '@lancedb/lancedb' },
  { id: 'orama', pkg: '@orama/orama' },
  { id: 'langchain-memory', pkg: '@langchain/classic' },
  { id: 'vectra', pkg: 'vectra' },
  { id: 'vectra-protobuf', pkg: 'vectra' },
];

const config: BenchConfig = {
  n: Number(process.env.BENCH_N ?? 100_000),
  dim: 384,
  queries: Number(process.env.BENCH_Q ?? 200),
  k: 10,
  rounds: Number(process.env.BENCH_ROUNDS ?? 3),
  budgetSeconds: Number(process.env.BENCH_BUDGET_S ?? 15),
  batch: 2000,
  thresholds: [10, 100],
};

function makeInputs(dir: string): void {
  const { n, dim, queries: nq, k } = config;
  const all = clusteredVectors({ n: n + nq, dim, clusters: Math.max(10, Math.round(n / 1000)), sigma: 2, seed: 7 });
  normalizeRows(all, dim);
  const vectors = all.subarray(0, n * dim);
  const queries = all.subarray(n * dim);
  const r = mulberry32(11);
  const bucket = Int32Array.from({ length: n }, () => Math.floor(r() * 1000));
  console.log(`computing exact ground truth for ${nq} queries (unfiltered, ${config.thresholds.join(' and ')}‰)...`);
  const t0 = process.hrtime.bigint();
  const q = (i: number) => queries.subarray(i * dim, (i + 1) * dim);
  const truth: GroundTruth = {
    unfiltered: Array.from({ length: nq }, (_, i) => exactTopK(vectors, dim, q(i), k)),
    filtered: Object.fromEntries(
      config.thresholds.map((t) => [
        t,
        Array.from({ length: nq }, (_, i) => exactTopK(vectors, dim, q(i), k, (row) => bucket[row]! < t)),
      ]),
    ),
  };
  console.log(`ground truth in ${seconds(t0).toFixed(1)} s`);
  writeInputs(dir, config, { vectors, queries, bucket }, truth);
}

function packageVersion(pkg: string): string {
  const path = join(ROOT, 'node_modules', pkg, 'package.json');
  return `${pkg} ${(JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version}`;
}

/** A child that failed: its message, and the adapter's description when the child got that far. */
class ChildError extends Error {
  constructor(
    message: string,
    readonly about?: PhaseReport['about'],
  ) {
    super(message);
  }
}

/** Runs one child phase; resolves with its report, or rejects with a ChildError. */
function runChild(bin: string, id: string, phase: 'build' | 'query', dir: string): Promise<PhaseReport> {
  const out = join(dir, `${id}-${phase}.json`);
  const args = ['--max-old-space-size=8192', '--import', 'tsx', join(ROOT, 'bench', 'peers', 'child.ts')];
  const child = spawn(bin, [...args, id, phase, dir, out], { cwd: ROOT, stdio: ['ignore', 'inherit', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0 && existsSync(out)) resolve(JSON.parse(readFileSync(out, 'utf8')) as PhaseReport);
      else if (existsSync(`${out}.error`)) {
        const failure = JSON.parse(readFileSync(`${out}.error`, 'utf8')) as {
          message: string;
          about: PhaseReport['about'];
        };
        const message = failure.message.replaceAll(dir, '<inputs>').replaceAll(ROOT, '');
        reject(new ChildError(`${phase} failed: ${message}`, failure.about));
      } else {
        // Keep machine paths out of the report: name the inputs folder and the project root generically.
        const last = stderr
          .trim()
          .split('\n')
          .filter(Boolean)
          .slice(-3)
          .join(' | ')
          .replaceAll(dir, '<inputs>')
          .replaceAll(ROOT, '');
        reject(new ChildError(`${phase} exited with ${signal ?? `code ${code}`}${last ? `: ${last}` : ''}`));
      }
    });
  });
}

async function runSystem(id: string, pkg: string | undefined, dir: string): Promise<SystemResult> {
  const manifest = pkg ? join(ROOT, 'node_modules', pkg, 'package.json') : join(ROOT, 'package.json');
  const result: SystemResult = {
    id,
    name: id,
    package: pkg ? packageVersion(pkg) : 'quiver (this working tree)',
    node: process.version,
    runtimeNote: '',
    index: '',
    filtering: '',
    threads: '',
  };
  try {
    const runtime = runtimeFor(ROOT, manifest);
    result.node = runtime.version;
    result.runtimeNote = runtime.reason;
    console.log(`\n== ${id} (${result.package}, Node ${runtime.version}: ${runtime.reason})`);
    result.build = await runChild(runtime.bin, id, 'build', dir);
    Object.assign(result, result.build.about);
    if (result.build.phase === 'build') result.query = await runChild(runtime.bin, id, 'query', dir);
  } catch (err) {
    if (err instanceof ChildError && err.about) Object.assign(result, err.about);
    result.error = (err as Error).message;
    console.log(`${result.name} failed: ${result.error}`);
  } finally {
    // The baseline's store stays for the noise check at the end; the inputs folder goes as a whole.
    if (!process.env.BENCH_KEEP && id !== BASELINE) rmSync(join(dir, `store-${id}`), { recursive: true, force: true });
  }
  return result;
}

function writeChart(result: PeersResult): void {
  writeFileSync(join(RESULTS, `${OUT}-recall-qps.svg`), recallQpsChart(result));
  console.log(`wrote bench/results/${OUT}-recall-qps.svg`);
}

async function main(): Promise<void> {
  if (process.env.BENCH_CHART_ONLY) {
    writeChart(JSON.parse(readFileSync(join(RESULTS, `${OUT}.json`), 'utf8')) as PeersResult);
    return;
  }
  const wanted = process.env.BENCH_SYSTEMS?.split(',').map((s) => s.trim());
  const systems = SYSTEMS.filter((s) => !wanted || wanted.includes(s.id));
  if (systems.length === 0) throw new Error(`BENCH_SYSTEMS names none of ${SYSTEMS.map((s) => s.id).join(', ')}`);
  console.log(
    `Peer benchmark: n=${config.n}, dim=${config.dim}, queries=${config.queries}, k=${config.k}; ` +
      `systems: ${systems.map((s) => s.id).join(', ')}`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'quiver-peers-'));
  const cleanUp = () => {
    if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      cleanUp();
      process.exit(130);
    });
  }
  try {
    makeInputs(dir);
    const results: SystemResult[] = [];
    for (const s of systems) results.push(await runSystem(s.id, s.pkg, dir));
    const baseline = results.find((r) => r.id === BASELINE && r.query);
    let baselineRepeat: PhaseReport | undefined;
    if (baseline && results.length > 1) {
      // Noise check: the machine is shared, so query the baseline's saved index again after everyone else.
      console.log(`\n== ${baseline.name} again, from its saved index (noise check)`);
      baselineRepeat = await runChild(process.execPath, BASELINE, 'query', dir).catch(() => undefined);
    }
    const result: PeersResult = {
      n: config.n,
      dim: config.dim,
      queries: config.queries,
      k: config.k,
      rounds: config.rounds,
      machine: { cpus: cpus().length, memoryGB: Math.round(totalmem() / 2 ** 30), node: process.versions.node },
      baseline: BASELINE,
      baselineRepeat,
      systems: results,
    };
    console.log(`\n${markdown(result)}\n`);
    writeFileSync(join(RESULTS, `${OUT}.json`), `${JSON.stringify(result, null, 2)}\n`);
    console.log(`wrote bench/results/${OUT}.json`);
    writeChart(result);
  } finally {
    cleanUp();
  }
}

await main();
