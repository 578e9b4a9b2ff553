/**
 * Cluster mode end to end on a small generated collection: a real 3-member etcd, s3rver, one coordinator and
 * two query nodes as separate processes, and a proxy (ClusterClient) in the test. Results are compared with an
 * embedded store holding the same rows: exact vector search, BM25, hybrid, filters, get, deletes, upserts.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAssignment } from '../../src/cluster/assignment.js';
import { ClusterClient } from '../../src/cluster/cluster-client.js';
import type { ClusterCollection } from '../../src/cluster/cluster-collection.js';
import { manifestKey } from '../../src/cluster/keys.js';
import { Quiver } from '../../src/index.js';
import type { Collection } from '../../src/store/collection/collection.js';
import type { CollectionSchema, Row } from '../../src/store/schema/types.js';
import { mulberry32 } from '../../src/store/util/random.js';
import { eventually, startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { findEtcdBinary } from '../helpers/etcd.js';
import { expectSameRanking } from '../helpers/ranking.js';

const DIM = 16;
const N = 5000;
/** A skewed vocabulary, and texts of varied length, so BM25 scores rarely tie. */
const word = (r: () => number) => `w${Math.floor(400 * r() ** 2)}`;

const rng = mulberry32;

const schema: CollectionSchema = {
  fields: [
    { name: 'id', type: 'string', primary: true },
    { name: 'v', type: 'vector', dim: DIM, metric: 'cosine' },
    { name: 'text', type: 'string', fullText: true },
    { name: 'n', type: 'int' },
  ],
};

function makeRows(from: number, to: number, seed: number): Row[] {
  const r = rng(seed);
  const rows: Row[] = [];
  for (let i = from; i < to; i++) {
    const v = Array.from({ length: DIM }, () => r() * 2 - 1);
    const text = Array.from({ length: 4 + Math.floor(r() * 30) }, () => word(r)).join(' ');
    rows.push({ id: `r${i}`, v, text, n: i });
  }
  return rows;
}

const skip = findEtcdBinary() === undefined && !process.env.CI;

describe.skipIf(skip)('cluster mode (etcd + s3rver + role processes)', () => {
  let cluster: TestCluster;
  let client: ClusterClient;
  let col: ClusterCollection;
  let db: Quiver;
  let local: Collection;

  beforeAll(async () => {
    cluster = await startTestCluster({ growingRows: 1500, leaseTtl: 3 });
    await cluster.startCoordinator('c1');
    await cluster.startQueryNode('qn1');
    await cluster.startQueryNode('qn2');
    const conn = await cluster.connect();
    client = new ClusterClient(conn, { deadlineMs: 20_000 });
    col = await client.createCollection('docs', schema);
    db = await Quiver.open({ memory: true });
    local = await db.createCollection('docs', schema);
    const rows = makeRows(0, N, 7);
    for (let i = 0; i < rows.length; i += 500) {
      await col.upsert(rows.slice(i, i + 500));
      await local.upsert(rows.slice(i, i + 500));
    }
  }, 120_000);

  afterAll(async () => {
    await db?.close();
    await cluster?.stop();
  }, 60_000);

  it('seals the data into segments spread over both query nodes', async () => {
    const conn = await cluster.connect();
    const segments = await eventually(
      async () => {
        const m = JSON.parse((await conn.meta.get(manifestKey('docs')))!.value);
        const assigned = await readAssignment(conn.meta, 'docs');
        const owners = new Set(assigned.values());
        return m.checkpoint === 10 && m.segments.length >= 3 && owners.size === 2 ? m.segments : undefined;
      },
      60_000,
      'sealing and assignment',
    );
    expect(segments.reduce((n: number, s: { rows: number }) => n + s.rows, 0)).toBe(N);
  }, 90_000);

  it('answers exact vector, BM25 and hybrid searches as the embedded store does', async () => {
    const r = rng(99);
    for (let q = 0; q < 20; q++) {
      const vector = Array.from({ length: DIM }, () => r() * 2 - 1);
      const a = await col.search({ vector, k: 10, exact: true, consistency: 'strong' });
      const b = await local.search({ vector, k: 10, exact: true });
      expectSameRanking(a.hits, b.hits);
      expect(a.hits[0]!.fields.n).toBe(b.hits[0]!.fields.n);
      const text = `${word(r)} ${word(r)} ${word(r)}`;
      const t1 = await col.search({ text, k: 10, consistency: 'strong' });
      const t2 = await local.search({ text, k: 10 });
      expectSameRanking(t1.hits, t2.hits);
      const filter = 'n % 3 == 0';
      const h1 = await col.hybridSearch({ requests: [{ vector, exact: true }, { text }], k: 10, filter });
      const h2 = await local.hybridSearch({ requests: [{ vector, exact: true }, { text }], k: 10, filter });
      expectSameRanking(h1.hits, h2.hits);
    }
  }, 60_000);

  it('reads its own writes with strong consistency, including deletes and upserts', async () => {
    for (let i = 0; i < 20; i++) {
      const row = makeRows(N + i, N + i + 1, 1000 + i)[0]!;
      await col.upsert([row]);
      await local.upsert([row]);
      const { hits } = await col.search({ vector: row.v as number[], k: 1, exact: true, consistency: 'strong' });
      expect(hits[0]?.id).toBe(row.id);
    }
    await col.delete({ ids: ['r1', 'r2'] });
    await local.delete({ ids: ['r1', 'r2'] });
    expect(await col.get(['r1', 'r2', 'r3'], { consistency: 'strong' })).toHaveLength(1);
    await col.upsert([{ ...makeRows(3, 4, 5)[0]!, n: -3 }]);
    await local.upsert([{ ...makeRows(3, 4, 5)[0]!, n: -3 }]);
    const [r3] = await col.get(['r3'], { consistency: 'strong' });
    expect(r3!.n).toBe(-3);
    expect(await col.count({ filter: 'n < 0', consistency: 'strong' })).toBe(1);
  }, 60_000);

  it('compacts segments after deletes, and still ranks as the embedded store', async () => {
    const filter = 'n % 5 < 2 and n < 5000';
    const { deleted } = await col.delete({ filter });
    expect(deleted).toBe((await local.delete({ filter })).deleted);
    expect(deleted).toBeGreaterThan(1500);
    const conn = await cluster.connect();
    const live = await local.count();
    const before = JSON.parse((await conn.meta.get(manifestKey('docs')))!.value).segments.map(
      (x: { id: number }) => x.id,
    );
    await eventually(
      async () => {
        // Sealed rows minus tombstones equal the live rows (every delete is in the manifest), no segment keeps a
        // deleted share at the threshold, and the segments with deletes were rewritten.
        const m = JSON.parse((await conn.meta.get(manifestKey('docs')))!.value);
        const segments = m.segments as { id: number; rows: number; deleted: number }[];
        const sealedLive = segments.reduce((n, x) => n + x.rows - x.deleted, 0);
        const heavy = segments.filter((x) => x.deleted / x.rows >= 0.2);
        const rewritten = segments.some((x) => !before.includes(x.id));
        return sealedLive === live && heavy.length === 0 && rewritten ? true : undefined;
      },
      60_000,
      'compaction of the segments with deletes',
    );
    expect(await col.count({ consistency: 'strong' })).toBe(await local.count());
    const r = rng(5);
    for (let q = 0; q < 10; q++) {
      const vector = Array.from({ length: DIM }, () => r() * 2 - 1);
      const a = await col.search({ vector, k: 10, exact: true, consistency: 'strong' });
      expectSameRanking(a.hits, (await local.search({ vector, k: 10, exact: true })).hits);
    }
  }, 90_000);

  it('serves the HTTP API as a proxy process (quiver --cluster serve)', async () => {
    const proxy = await cluster.startProxy('p1');
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${proxy.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    expect((await fetch(`${proxy.url}/readyz`)).status).toBe(200);
    const [row] = makeRows(900_000, 900_001, 3);
    expect((await post('/collections/docs/upsert', { rows: [row] })).status).toBe(200);
    const found = await post('/collections/docs/search', { vector: row!.v, k: 1, exact: true, consistency: 'strong' });
    expect(found.status).toBe(200);
    expect((found.body.hits as { id: string }[])[0]!.id).toBe(row!.id);
    const bad = await post('/collections/docs/search', { vector: row!.v, filter: 'n >> 1' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'FILTER_SYNTAX' });
    const listed = (await (await fetch(`${proxy.url}/collections`)).json()) as { collections: { name: string }[] };
    expect(listed.collections.map((c) => c.name)).toContain('docs');
    await proxy.kill('SIGTERM');
  }, 60_000);

  it('reports a bad filter with its position, from the nodes', async () => {
    await expect(col.search({ vector: new Array(DIM).fill(0.1), filter: 'n >> 3' })).rejects.toMatchObject({
      code: 'FILTER_SYNTAX',
      details: { position: expect.any(Number) },
    });
  });
});
