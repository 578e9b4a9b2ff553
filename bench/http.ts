/**
 * HTTP benchmark: throughput and p50/p99 latency of `POST /search` (hybrid, k 10) and `POST /ask` (the offline
 * extractive generator, JSON) at 10 and 50 concurrent connections, with autocannon, against `quiver serve` in its
 * own process over SciFact (5,183 abstracts ingested with pipelines/beir.yaml). Request bodies rotate through the
 * 300 test claims.
 *
 * Baselines measured in the same run, for ratios: the same calls made in-process one at a time (the Retriever and
 * `ask` with no HTTP in between: what one event loop can do at most), and `GET /health` over HTTP (what the HTTP
 * stack alone costs). HTTP ÷ in-process throughput says how much of the store's speed survives the server.
 *
 * After an untimed warm-up (30 questions through each route), each run lasts --duration seconds.
 *
 * Run: npm run bench:http     (-- --duration 5 for a quick run; --store <folder> reuses an ingested store).
 * Writes bench/results/http.json.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { ask } from '../src/ask/ask.js';
import { main } from '../src/cli/main.js';
import { createEmbedder } from '../src/pipeline/create-embedder.js';
import { loadPipeline } from '../src/pipeline/load-pipeline.js';
import { openRag } from '../src/pipeline/open-rag.js';
import { loadBeirEvalSet } from '../src/retrieve/eval/beir.js';
import { Quiver } from '../src/store/quiver.js';
import { summarize } from './lib/latency.js';
import { printTable } from './lib/measure.js';

const { values: flags } = parseArgs({
  options: { duration: { type: 'string' }, store: { type: 'string' }, data: { type: 'string' } },
});
const DURATION = Number(flags.duration ?? 10);
if (!Number.isInteger(DURATION) || DURATION < 1) throw new Error('--duration must be a positive integer (seconds)');
const DATA = resolve(flags.data ?? process.env.BENCH_SCIFACT ?? '../shared/data/scifact');
const PIPELINE = resolve('pipelines/beir.yaml');
const CONNECTIONS = [10, 50];
const K = 10;

// The offline default model, from the cache the tests build (QUIVER_MODEL_DIR wins, as for the CLI).
process.env.QUIVER_MODEL_DIR ??= join(tmpdir(), 'quiver-test-models');

const scratch = flags.store ? undefined : await mkdtemp(join(tmpdir(), 'quiver-bench-http-'));
const store = resolve(flags.store ?? join(scratch!, 'store'));

console.log(`ingesting ${DATA}/corpus.jsonl into ${store} (incremental) ...`);
const ingestStarted = performance.now();
const code = await main([
  'node',
  'quiver',
  '--path',
  store,
  'ingest',
  join(DATA, 'corpus.jsonl'),
  '--pipeline',
  PIPELINE,
]);
if (code !== 0) throw new Error(`ingest exited with ${code}`);
const ingestSeconds = (performance.now() - ingestStarted) / 1000;
// Seal what the ingest left growing and build its indexes, so every run below measures the indexed store.
const indexStarted = performance.now();
{
  const db = await Quiver.open({ path: store });
  try {
    const collection = await db.collection((await loadPipeline(PIPELINE)).collection.name);
    await collection.flush();
  } finally {
    await db.close();
  }
}
const indexSeconds = (performance.now() - indexStarted) / 1000;
console.log(`ingested in ${ingestSeconds.toFixed(1)} s, sealed and indexed ${indexSeconds.toFixed(1)} s later`);

const questions = (await loadBeirEvalSet(DATA, 'test')).queries.map((q) => q.text);
const config = await loadPipeline(PIPELINE);

/** The same work without HTTP, one call at a time, over every question (after a warm-up pass). */
async function inProcess(): Promise<{ search: ReturnType<typeof summarize>; ask: ReturnType<typeof summarize> }> {
  const db = await Quiver.open({ path: store });
  const embedder = await createEmbedder(config.embedder);
  try {
    const rag = await openRag(db, config.collection.name, config, embedder);
    const time = async (fn: (q: string) => Promise<unknown>) => {
      for (const q of questions.slice(0, 50)) await fn(q);
      const latencies: number[] = [];
      const began = performance.now();
      for (const q of questions) {
        const t = performance.now();
        await fn(q);
        latencies.push(performance.now() - t);
      }
      return summarize(latencies, (performance.now() - began) / 1000);
    };
    return {
      search: await time((q) => rag.components.retriever.retrieve(q, { k: K, mode: 'hybrid' })),
      ask: await time((q) => ask(rag.components, q, rag.defaults)),
    };
  } finally {
    await embedder.dispose();
    await db.close();
  }
}

/** Starts `quiver serve` on a free port in a child process; resolves with its base URL once it listens. */
async function startServer(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/lib/serve-child.ts', '--path', store, 'serve', '--pipeline', PIPELINE, '--port', '0'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    const match = /listening on (http:\/\/\S+)/.exec(line);
    if (match) return { url: match[1]!, child };
  }
  throw new Error('quiver serve exited before listening');
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await exited;
}

interface LoadResult {
  route: string;
  connections: number;
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

async function load(
  url: string,
  route: string,
  connections: number,
  body?: (q: string) => unknown,
): Promise<LoadResult> {
  let next = 0;
  const result = await autocannon({
    url: `${url}${route}`,
    connections,
    duration: DURATION,
    method: body ? 'POST' : 'GET',
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (request) =>
          body ? { ...request, body: JSON.stringify(body(questions[next++ % questions.length]!)) } : request,
      },
    ],
  });
  return {
    route,
    connections,
    requests: result.requests.total,
    rps: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

console.log('in-process baseline ...');
const baseline = await inProcess();

console.log('starting quiver serve ...');
const server = await startServer();
const runs: LoadResult[] = [];
try {
  // Warm-up, untimed: loads the embedder in the server and warms its caches and JIT.
  for (const q of questions.slice(0, 30)) {
    for (const [route, body] of [
      ['/search', { query: q, k: K, mode: 'hybrid' }],
      ['/ask', { question: q }],
    ] as const) {
      const res = await fetch(`${server.url}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`warm-up ${route} answered ${res.status}: ${await res.text()}`);
    }
  }
  for (const connections of CONNECTIONS) {
    runs.push(await load(server.url, '/health', connections));
    runs.push(await load(server.url, '/search', connections, (q) => ({ query: q, k: K, mode: 'hybrid' })));
    runs.push(await load(server.url, '/ask', connections, (q) => ({ question: q })));
  }
} finally {
  await stopServer(server.child);
}

const inProcessRps = { '/search': baseline.search.qps, '/ask': baseline.ask.qps } as Record<string, number>;
printTable(
  `HTTP, ${DURATION} s per run (SciFact, ${questions.length} rotating questions)`,
  ['route', 'connections', 'req/s', 'p50 ms', 'p99 ms', '÷ in-process req/s', 'errors', 'non-2xx'],
  runs.map((r) => [
    r.route,
    r.connections,
    r.rps,
    r.p50Ms,
    r.p99Ms,
    inProcessRps[r.route] ? r.rps / inProcessRps[r.route]! : '-',
    r.errors,
    r.non2xx,
  ]),
);
printTable(
  'In-process baseline (one call at a time)',
  ['call', 'calls/s', 'p50 ms', 'p99 ms'],
  [
    ['retrieve (hybrid, k 10)', baseline.search.qps, baseline.search.p50Ms, baseline.search.p99Ms],
    ['ask (extractive)', baseline.ask.qps, baseline.ask.p50Ms, baseline.ask.p99Ms],
  ],
);

const failed = runs.filter((r) => r.errors > 0 || r.non2xx > 0);
await writeFile(
  'bench/results/http.json',
  `${JSON.stringify(
    {
      benchmark: 'http',
      date: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        parallelism: availableParallelism(),
        memGB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
      },
      config: {
        durationSeconds: DURATION,
        connections: CONNECTIONS,
        k: K,
        dataset: 'scifact',
        pipeline: 'pipelines/beir.yaml',
      },
      ingestSeconds,
      indexSeconds,
      inProcess: baseline,
      runs: runs.map((r) => ({
        ...r,
        ratioToInProcess: inProcessRps[r.route] ? r.rps / inProcessRps[r.route]! : null,
      })),
    },
    null,
    2,
  )}\n`,
);
console.log('\nwrote bench/results/http.json');
if (scratch) await rm(scratch, { recursive: true, force: true });
if (failed.length > 0) {
  console.error(`requests failed: ${failed.map((r) => `${r.route}@${r.connections}`).join(', ')}`);
  process.exitCode = 1;
}
