/**
 * Cluster mode under faults, one test each, on one cluster (3-member etcd, s3rver behind a fault proxy, role
 * processes; lease TTL 3 s): strong reads after writes, kill -9 of a query node during a stream of queries,
 * kill -9 of the coordinator leader, kill -9 of the etcd raft leader during writes, S3 unreachable for 5 s
 * during `quiver --cluster ingest`, and a restart of everything. Every write a test got an acknowledgement for
 * is checked to be there afterwards.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { readAssignment } from '../../src/cluster/assignment.js';
import { ClusterClient } from '../../src/cluster/cluster-client.js';
import type { ClusterCollection } from '../../src/cluster/cluster-collection.js';
import { manifestKey, walRoot } from '../../src/cluster/keys.js';
import { Quiver } from '../../src/index.js';
import type { CollectionSchema, Row } from '../../src/store/schema/types.js';
import { mulberry32 } from '../../src/store/util/random.js';
import { eventually, type RoleProcess, startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { etcdLeader, findEtcdBinary } from '../helpers/etcd.js';

const DIM = 8;
const TTL = 3;
const skip = findEtcdBinary() === undefined && !process.env.CI;

const rng = mulberry32;
const r = rng(42);
const vec = () => Array.from({ length: DIM }, () => r() * 2 - 1);
const rows = (prefix: string, n: number): Row[] =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, v: vec(), n: i }));

const schema: CollectionSchema = {
  fields: [
    { name: 'id', type: 'string', primary: true },
    { name: 'v', type: 'vector', dim: DIM, metric: 'cosine' },
    { name: 'n', type: 'int' },
  ],
};

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

describe.skipIf(skip)('cluster mode under faults', () => {
  let cluster: TestCluster;
  let client: ClusterClient;
  let col: ClusterCollection;
  /** Every key a write was acknowledged for, with the `n` it was last written with. */
  const acked = new Map<string, number>();
  let nodes: RoleProcess[] = [];
  let coordinators: RoleProcess[] = [];

  const upsert = async (batch: Row[]) => {
    await col.upsert(batch);
    for (const row of batch) acked.set(row.id as string, row.n as number);
  };

  /** Every acknowledged key is readable with its last value. */
  const expectAllAcked = async () => {
    const ids = [...acked.keys()];
    const found = new Map<string, number>();
    for (let i = 0; i < ids.length; i += 1000) {
      for (const row of await col.get(ids.slice(i, i + 1000), { consistency: 'strong' })) {
        found.set(row.id as string, row.n as number);
      }
    }
    expect(found.size).toBe(acked.size);
    for (const [id, n] of acked) expect(found.get(id)).toBe(n);
  };

  beforeAll(async () => {
    cluster = await startTestCluster({ growingRows: 1000, leaseTtl: TTL, sealIdleMs: 300 });
    coordinators = [await cluster.startCoordinator('c1'), await cluster.startCoordinator('c2')];
    nodes = [await cluster.startQueryNode('qn1'), await cluster.startQueryNode('qn2')];
    client = new ClusterClient(await cluster.connect(), { deadlineMs: 15_000 });
    col = await client.createCollection('docs', schema);
    const all = rows('a', 6000);
    for (let i = 0; i < all.length; i += 500) await upsert(all.slice(i, i + 500));
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  it('a write is visible to a strong search right after its acknowledgement, 100 times out of 100', async () => {
    let visible = 0;
    for (let i = 0; i < 100; i++) {
      const row = { id: `s${i}`, v: vec(), n: i };
      await upsert([row]);
      const { hits } = await col.search({ vector: row.v, k: 1, exact: true, consistency: 'strong' });
      if (hits[0]?.id === row.id) visible++;
    }
    expect(visible).toBe(100);
  }, 120_000);

  it('kill -9 of a query node: every query issued TTL + 5 s later succeeds with full results', async () => {
    const meta = (await cluster.connect()).meta;
    // Both nodes serve sealed segments before the kill.
    await eventually(
      async () => (new Set((await readAssignment(meta, 'docs')).values()).size === 2 ? true : undefined),
      30_000,
      'segments on both nodes',
    );
    const queries = Array.from({ length: 10 }, vec);
    const expected = await Promise.all(
      queries.map(async (q) =>
        (await col.search({ vector: q, k: 10, exact: true, consistency: 'strong' })).hits.map((h) => h.id),
      ),
    );
    const results: { issued: number; ok: boolean }[] = [];
    let stop = false;
    const stream = (async () => {
      for (let i = 0; !stop; i++) {
        const issued = Date.now();
        const q = i % queries.length;
        const ok = await col
          .search({ vector: queries[q]!, k: 10, exact: true, consistency: 'eventually' })
          .then((res) => JSON.stringify(res.hits.map((h) => h.id)) === JSON.stringify(expected[q]))
          .catch(() => false);
        results.push({ issued, ok });
      }
    })();
    await sleep(1000);
    const killedAt = Date.now();
    await nodes[1]!.kill('SIGKILL');
    await sleep((TTL + 5) * 1000 + 4000);
    stop = true;
    await stream;
    const late = results.filter((x) => x.issued >= killedAt + (TTL + 5) * 1000);
    expect(late.length).toBeGreaterThan(10);
    expect(late.filter((x) => !x.ok)).toEqual([]);
    // The surviving node now serves everything; a replacement joins for the next tests.
    nodes = [nodes[0]!, await cluster.startQueryNode('qn3')];
  }, 120_000);

  it('kill -9 of the coordinator leader: a standby takes over, and sealing and assignment go on', async () => {
    const conn = await cluster.connect();
    const leaderId = await conn.session.leader('coordinator');
    const leader = coordinators.find((c) => c.id === leaderId)!;
    expect(leader).toBeDefined();
    await leader.kill('SIGKILL');
    await upsert(rows('b', 2500));
    const committed = Number((await conn.meta.get(`${walRoot('docs')}/seq`))!.value);
    await eventually(
      async () => {
        const m = JSON.parse((await conn.meta.get(manifestKey('docs')))!.value);
        const assigned = await readAssignment(conn.meta, 'docs');
        const allAssigned = m.segments.every((s: { id: number }) => assigned.has(s.id));
        return m.checkpoint >= committed && allAssigned ? true : undefined;
      },
      30_000,
      'sealing by the new leader',
    );
    const newLeader = await conn.session.leader('coordinator');
    expect(newLeader).toBeDefined();
    expect(newLeader).not.toBe(leaderId);
    coordinators = [coordinators.find((c) => c.id !== leaderId)!, await cluster.startCoordinator('c3')];
    await expectAllAcked();
  }, 90_000);

  it('kill -9 of the etcd raft leader: writes go on after re-election, and no acknowledged write is lost', async () => {
    const leader = (await etcdLeader(cluster.etcd))!;
    expect(leader).toBeDefined();
    let stop = false;
    let afterKill = 0;
    let killed = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        try {
          await upsert(rows(`e${i}-`, 20));
          if (killed) afterKill++;
        } catch {
          // A write may fail while etcd elects a leader; only acknowledged ones are checked.
          await sleep(100);
        }
      }
    })();
    await sleep(1500);
    await leader.kill();
    killed = true;
    await eventually(async () => (afterKill >= 20 ? true : undefined), 60_000, 'writes after the etcd re-election');
    stop = true;
    await writer;
    await leader.start();
    await expectAllAcked();
  }, 120_000);

  it('S3 unreachable for 5 s during quiver --cluster ingest: it retries and completes, nothing lost or duplicated', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'quiver-s3-outage-'));
    try {
      const docs = Array.from({ length: 600 }, (_, i) =>
        JSON.stringify({ id: `doc${i}`, text: `document ${i} ${'words '.repeat(40 + (i % 50))}` }),
      );
      await writeFile(join(dir, 'docs.jsonl'), `${docs.join('\n')}\n`);
      const saved = { ...process.env };
      Object.assign(process.env, cluster.env);
      let restoredAt = 0;
      const outage = (async () => {
        await sleep(300);
        await cluster.s3proxy.down();
        await sleep(5000);
        await cluster.s3proxy.up();
        restoredAt = Date.now();
      })();
      let code: number;
      let endedAt = 0;
      try {
        code = await main(['node', 'quiver', '--cluster', 'ingest', join(dir, 'docs.jsonl'), '--collection', 'outage']);
        endedAt = Date.now();
      } finally {
        await outage;
        process.env = saved;
      }
      expect(code).toBe(0);
      // The ingest was still running when S3 came back: the outage really hit it.
      expect(endedAt).toBeGreaterThanOrEqual(restoredAt);
      // The same file embedded gives the chunks the cluster must hold: all of them, each once.
      expect(
        await main([
          'node',
          'quiver',
          '--path',
          join(dir, 'store'),
          'ingest',
          join(dir, 'docs.jsonl'),
          '--collection',
          'outage',
        ]),
      ).toBe(0);
      const db = await Quiver.open({ path: join(dir, 'store') });
      const want = new Set((await (await db.collection('outage')).query({ outputFields: [] })).map((row) => row.id));
      await db.close();
      const outage2 = await client.collection('outage');
      const got = (await outage2.query({ outputFields: [], consistency: 'strong' })).map((row) => row.id);
      expect(got.length).toBe(want.size);
      expect(new Set(got)).toEqual(want);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('a restart of the whole cluster keeps every acknowledged write', async () => {
    const before = await col.search({ vector: vec(), k: 10, exact: true, consistency: 'strong' });
    for (const role of [...coordinators, ...nodes]) await role.kill('SIGKILL');
    for (const m of cluster.etcd.members) if (m.running) await m.kill();
    await cluster.s3proxy.down();
    await sleep(500);
    await cluster.s3proxy.up();
    await Promise.all(cluster.etcd.members.map((m) => m.start()));
    coordinators = [await cluster.startCoordinator('c4')];
    nodes = [await cluster.startQueryNode('qn1'), await cluster.startQueryNode('qn2')];
    client = new ClusterClient(await cluster.connect(), { deadlineMs: 30_000 });
    col = (await client.collection('docs')) as ClusterCollection;
    await expectAllAcked();
    expect(await col.count({ consistency: 'strong' })).toBe(acked.size);
    const q = before.hits[0]!;
    const [row] = await col.get([q.id]);
    expect(row).toBeDefined();
  }, 180_000);
});
