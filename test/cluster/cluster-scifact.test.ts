/**
 * The end-to-end acceptance run: `quiver --cluster ingest` puts SciFact into a cluster (3-member etcd, s3rver,
 * a coordinator and two query nodes as processes; the CLI is the proxy), `quiver ingest` puts it into an
 * embedded store, and every SciFact test query must rank the same rows in both: BM25 (with the title boost the
 * retriever uses), exact dense search, and hybrid search with the default fusion. (Rows with equal scores may come in either order.)
 * The pipeline is `pipelines/beir.yaml` with the offline `glove-sif` model: the property under test does not
 * depend on the model, and that one embeds SciFact ten times faster than the default sentence encoder.
 */

import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, ask } from '../../src/ask/ask.js';
import { main } from '../../src/cli/main.js';
import { readAssignment } from '../../src/cluster/assignment.js';
import { ClusterClient } from '../../src/cluster/cluster-client.js';
import type { Embedder } from '../../src/embed/embedder.js';
import { Quiver } from '../../src/index.js';
import { createEmbedder } from '../../src/pipeline/create-embedder.js';
import { loadPipeline } from '../../src/pipeline/load-pipeline.js';
import { openRag } from '../../src/pipeline/open-rag.js';
import { loadBeirEvalSet } from '../../src/retrieve/eval/beir.js';
import type { CollectionApi } from '../../src/store/collection/collection-api.js';
import { eventually, startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { findEtcdBinary } from '../helpers/etcd.js';
import { expectSameRanking } from '../helpers/ranking.js';

const SCIFACT = fileURLToPath(new URL('../../../shared/data/scifact/', import.meta.url));
const BEIR_PIPELINE = fileURLToPath(new URL('../../pipelines/beir.yaml', import.meta.url));
let PIPELINE: string;
const skip = !existsSync(SCIFACT) || (findEtcdBinary() === undefined && !process.env.CI);

describe.skipIf(skip)('SciFact in a cluster ranks as in embedded mode', () => {
  let cluster: TestCluster;
  let dir: string;
  let db: Quiver;
  let embedded: CollectionApi;
  let clustered: CollectionApi;
  let embedder: Embedder;
  const saved = { ...process.env };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'quiver-scifact-'));
    const beir = await readFile(BEIR_PIPELINE, 'utf8');
    expect(beir).toContain('  provider: default\n');
    PIPELINE = join(dir, 'beir-glove.yaml');
    await writeFile(PIPELINE, beir.replace('  provider: default\n', '  provider: default\n  model: glove-sif\n'));
    cluster = await startTestCluster({ growingRows: 2500 });
    await cluster.startCoordinator('c1');
    await cluster.startQueryNode('qn1');
    await cluster.startQueryNode('qn2');
    Object.assign(process.env, cluster.env);
    const corpus = join(SCIFACT, 'corpus.jsonl');
    expect(await main(['node', 'quiver', '--cluster', 'ingest', corpus, '--pipeline', PIPELINE])).toBe(0);
    expect(await main(['node', 'quiver', '--path', join(dir, 'store'), 'ingest', corpus, '--pipeline', PIPELINE])).toBe(
      0,
    );
    db = await Quiver.open({ path: join(dir, 'store') });
    embedded = await db.collection('beir');
    clustered = await new ClusterClient(await cluster.connect()).collection('beir');
    embedder = await createEmbedder((await loadPipeline(PIPELINE)).embedder);
  }, 300_000);

  afterAll(async () => {
    process.env = saved;
    await embedder?.dispose();
    await db?.close();
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('holds every chunk, sealed into segments served by both query nodes', async () => {
    const total = await embedded.count();
    expect(total).toBeGreaterThan(9000);
    expect(await clustered.count({ consistency: 'strong' })).toBe(total);
    const conn = await cluster.connect();
    await eventually(
      async () => {
        const owners = new Set((await readAssignment(conn.meta, 'beir')).values());
        return owners.size === 2 ? true : undefined;
      },
      60_000,
      'segments on both nodes',
    );
  }, 120_000);

  it('quiver --cluster ask answers with citations from the cluster, as embedded mode does', async () => {
    const question = 'What is the effect of vitamin D on bone fracture risk?';
    const run = async (args: string[]): Promise<Answer> => {
      const lines: string[] = [];
      const log = console.log;
      console.log = (...a: unknown[]) => lines.push(a.join(' '));
      try {
        expect(await main(['node', 'quiver', ...args, '--json', 'ask', question, '--pipeline', PIPELINE])).toBe(0);
      } finally {
        console.log = log;
      }
      return JSON.parse(lines.join('\n')) as Answer;
    };
    const fromCluster = await run(['--cluster']);
    // Embedded: the same loop through the library (this test holds the store's folder open).
    const rag = await openRag(db, 'beir', await loadPipeline(PIPELINE), embedder);
    const fromEmbedded = await ask(rag.components, question, rag.defaults);
    expect(fromCluster.citations.length).toBeGreaterThan(0);
    expect(fromCluster.answer).toBe(fromEmbedded.answer);
    expect(fromCluster.citations.map((c) => c.source)).toEqual(fromEmbedded.citations.map((c) => c.source));
  }, 120_000);

  it('returns the same top-10 for every test query: BM25, exact dense and hybrid', async () => {
    const set = await loadBeirEvalSet(SCIFACT, 'test');
    expect(set.queries.length).toBe(300);
    const strong = { consistency: 'strong' as const };
    for (const q of set.queries) {
      const vector = await embedder.embedQuery(q.text);
      const t = { text: q.text, field: 'text', boosts: { title: 0.2 }, k: 10, outputFields: [] };
      expectSameRanking((await clustered.search({ ...t, ...strong })).hits, (await embedded.search(t)).hits);
      const d = { vector, k: 10, exact: true, outputFields: [] };
      expectSameRanking((await clustered.search({ ...d, ...strong })).hits, (await embedded.search(d)).hits);
      const h = {
        requests: [
          { vector, exact: true },
          { text: q.text, field: 'text', boosts: { title: 0.2 } },
        ],
        k: 10,
        outputFields: [],
      };
      expectSameRanking(
        (await clustered.hybridSearch({ ...h, ...strong })).hits,
        (await embedded.hybridSearch(h)).hits,
      );
    }
  }, 300_000);
});
