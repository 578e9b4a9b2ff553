/**
 * Cluster benchmark: ingest throughput into the shared WAL on S3, and search QPS through the proxy with one and
 * then two query nodes, on whatever machine runs it (the figures on a 2-core machine say more about fan-out
 * overhead than about scaling). Everything runs on loopback: a 1-member etcd, s3rver, a coordinator and query
 * nodes as separate processes (from the test harness), and the proxy (ClusterClient) in this process.
 *
 * Baselines measured in the same run: an embedded store's upsert rate and its in-process search QPS on the same
 * rows and queries, so the cluster figures are reported as ratios too.
 *
 * Data: BENCH_N (default 20,000) clustered 384-d vectors with an int field; upserts of 500 rows; searches for
 * k 10 at the default ef, from BENCH_CONC (default 8) concurrent callers for BENCH_SECONDS (default 10) each.
 *
 * Run: npm run bench:cluster     (BENCH_N=5000 BENCH_SECONDS=3 npm run bench:cluster for a quick run)
 */

import { writeFileSync } from 'node:fs';
import { readAssignment } from '../src/cluster/assignment.js';
import { ClusterClient } from '../src/cluster/cluster-client.js';
import { manifestKey } from '../src/cluster/keys.js';
import type { CollectionApi } from '../src/store/collection/collection-api.js';
import { Quiver } from '../src/store/quiver.js';
import type { CollectionSchema, Row } from '../src/store/schema/types.js';
import { eventually, startTestCluster } from '../test/helpers/cluster.js';
import { clusteredVectors, mulberry32 } from './lib/clustered.js';
import { type LatencySummary, summarize } from './lib/latency.js';
import { printTable } from './lib/measure.js';

const N = Number(process.env.BENCH_N ?? 20_000);
const DIM = 384;
const BATCH = 500;
const CONC = Number(process.env.BENCH_CONC ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const NQ = 200;

const schema: CollectionSchema = {
  fields: [
    { name: 'id', type: 'int', primary: true },
    { name: 'v', type: 'vector', dim: DIM, metric: 'cosine' },
    { name: 'bucket', type: 'int' },
  ],
};

function makeRows(): Row[] {
  const data = clusteredVectors({ n: N, dim: DIM, clusters: 100, sigma: 1, seed: 7 });
  const r = mulberry32(11);
  return Array.from({ length: N }, (_, i) => ({
    id: i + 1,
    v: data.subarray(i * DIM, (i + 1) * DIM),
    bucket: Math.floor(r() * 1000),
  }));
}

async function ingest(col: CollectionApi, rows: Row[]): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < rows.length; i += BATCH) await col.upsert(rows.slice(i, i + BATCH));
  return rows.length / ((performance.now() - start) / 1000);
}

/** CONC callers search in a loop for SECONDS; latency of every call. */
async function load(search: (q: Float32Array) => Promise<unknown>, queries: Float32Array[]): Promise<LatencySummary> {
  for (const q of queries.slice(0, 20)) await search(q); // warm-up
  const latencies: number[] = [];
  const start = performance.now();
  const end = start + SECONDS * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: CONC }, async () => {
      while (performance.now() < end) {
        const q = queries[next++ % queries.length]!;
        const t = performance.now();
        await search(q);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return summarize(latencies, (performance.now() - start) / 1000);
}

async function main(): Promise<void> {
  const rows = makeRows();
  const queries = Array.from({ length: NQ }, (_, i) => rows[(i * 97) % N]!.v as Float32Array);

  // Baseline: the embedded store, same rows and queries.
  const db = await Quiver.open({ memory: true });
  const local = await db.createCollection('bench', schema);
  const embeddedRate = await ingest(local, rows);
  await local.flush();
  const embedded = await load((q) => local.search({ vector: q, k: 10 }), queries);
  await db.close();

  // Eight segments, so two nodes can share them.
  const cluster = await startTestCluster({ etcdMembers: 1, growingRows: Math.ceil(N / 8), sealIdleMs: 500 });
  try {
    await cluster.startCoordinator('c1');
    await cluster.startQueryNode('qn1');
    const conn = await cluster.connect();
    const client = new ClusterClient(conn, { deadlineMs: 60_000 });
    const col = await client.createCollection('bench', schema);
    const clusterRate = await ingest(col, rows);
    const sealed = async (nodes: number) =>
      eventually(
        async () => {
          const m = JSON.parse((await conn.meta.get(manifestKey('bench')))!.value);
          const assigned = await readAssignment(conn.meta, 'bench');
          const total = m.segments.reduce((n: number, s: { rows: number }) => n + s.rows, 0);
          const owners = new Set(assigned.values()).size;
          return total === N && assigned.size === m.segments.length && owners === nodes ? true : undefined;
        },
        300_000,
        `all rows sealed and assigned to ${nodes} node(s)`,
      );
    await sealed(1);
    const search = (q: Float32Array) => col.search({ vector: q, k: 10, consistency: 'eventually' });
    const one = await load(search, queries);
    await cluster.startQueryNode('qn2');
    await sealed(2);
    // Let the rebalanced node finish loading before timing.
    await new Promise((r) => setTimeout(r, 2000));
    const two = await load(search, queries);

    const fmt = (x: number, d = 0) => x.toFixed(d);
    printTable(
      `Ingest: ${N} rows of ${DIM}-d in upserts of ${BATCH}`,
      ['target', 'rows/s', 'ratio'],
      [
        ['embedded (in process)', fmt(embeddedRate), '1.00'],
        ['cluster (WAL on S3, commit in etcd)', fmt(clusterRate), fmt(clusterRate / embeddedRate, 2)],
      ],
    );
    const row = (name: string, s: LatencySummary) => [
      name,
      fmt(s.qps),
      fmt(s.p50Ms, 1),
      fmt(s.p99Ms, 1),
      fmt(s.qps / embedded.qps, 2),
    ];
    printTable(
      `Search: k 10, ${CONC} concurrent callers, ${SECONDS} s each`,
      ['target', 'QPS', 'p50 ms', 'p99 ms', 'ratio'],
      [row('embedded (in process)', embedded), row('cluster, 1 query node', one), row('cluster, 2 query nodes', two)],
    );
    const result = {
      machine: { cpus: (await import('node:os')).cpus().length },
      settings: { n: N, dim: DIM, batch: BATCH, concurrency: CONC, seconds: SECONDS },
      ingest: { embeddedRowsPerSec: embeddedRate, clusterRowsPerSec: clusterRate, ratio: clusterRate / embeddedRate },
      search: { embedded, oneNode: one, twoNodes: two, twoOverOne: two.qps / one.qps },
    };
    writeFileSync(new URL('./results/cluster.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
    console.log('\nwrote bench/results/cluster.json');
  } finally {
    await cluster.stop();
  }
}

await main();
