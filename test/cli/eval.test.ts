/**
 * `quiver eval` in-process over a tiny BEIR-format dataset whose BM25 figures are worked out by hand, with
 * the real default model and a real store folder: the JSON shape the issue fixes, the per-query file, the
 * incremental corpus ingest, and the errors for a missing split.
 */

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { Quiver } from '../../src/store/quiver.js';
import { TEST_MODEL_DIR, testEmbedder } from '../helpers/model.js';

let dir: string;
let out: string[];
let err: string[];
const savedModelDir = process.env.QUIVER_MODEL_DIR;

const corpus = [
  { _id: 'd1', title: 'Vaccines', text: 'Measles vaccine efficacy in young children.' },
  { _id: 'd2', title: 'Reefs', text: 'Ocean temperature rise and coral bleaching.' },
  { _id: 'd3', title: 'Diet', text: 'Dietary fiber feeds gut bacteria.' },
  { _id: 'd4', title: 'Sleep', text: 'Sleep deprivation impairs memory consolidation.' },
];
const queries = [
  { _id: 'q1', text: 'measles vaccine efficacy' },
  { _id: 'q2', text: 'coral bleaching' },
  { _id: 'q3', text: 'memory and sleep' },
  { _id: 'q4', text: 'a query without judgements in the test split' },
];
const qrels = 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\nq3\td4\t2\nq3\td3\t1\n';

beforeAll(async () => {
  await (await testEmbedder()).dispose();
  process.env.QUIVER_MODEL_DIR = TEST_MODEL_DIR;
});
afterAll(() => {
  if (savedModelDir === undefined) delete process.env.QUIVER_MODEL_DIR;
  else process.env.QUIVER_MODEL_DIR = savedModelDir;
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quiver-cli-eval-'));
  const data = join(dir, 'tiny');
  await mkdir(join(data, 'qrels'), { recursive: true });
  await writeFile(join(data, 'corpus.jsonl'), corpus.map((d) => JSON.stringify(d)).join('\n'));
  await writeFile(join(data, 'queries.jsonl'), queries.map((q) => JSON.stringify(q)).join('\n'));
  await writeFile(join(data, 'qrels', 'test.tsv'), qrels);
  out = [];
  err = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => err.push(a.join(' ')));
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

const run = (...args: string[]) => main(['node', 'quiver', '--path', join(dir, 'store'), ...args]);

describe('quiver eval', () => {
  test('prints every method side by side, with BM25 figures as computed by hand', async () => {
    expect(await run('--json', 'eval', '--dataset', join(dir, 'tiny')), err.join('\n')).toBe(0);
    const report = JSON.parse(out.join('\n'));
    expect(Object.keys(report)).toEqual(['dataset', 'split', 'queries', 'methods']);
    expect(report).toMatchObject({ dataset: 'tiny', split: 'test', queries: 3 });
    expect(Object.keys(report.methods)).toEqual(['bm25', 'dense', 'hybrid']);
    // BM25 puts each query's document first. q3's judged documents are d4 (grade 2, found at rank 1) and d3
    // (grade 1, shares no word with the query, so never found): nDCG = 2 / (2 + 1/log2(3)), recall 1/2.
    const q3 = 2 / (2 + 1 / Math.log2(3));
    expect(report.methods.bm25.ndcg10).toBeCloseTo((1 + 1 + q3) / 3, 10);
    expect(report.methods.bm25.recall10).toBeCloseTo((1 + 1 + 0.5) / 3, 10);
    expect(report.methods.bm25.recall100).toBeCloseTo((1 + 1 + 0.5) / 3, 10);
    expect(report.methods.bm25.mrr10).toBe(1);
    for (const m of ['dense', 'hybrid']) {
      for (const v of Object.values(report.methods[m]) as number[]) expect(v).toBeGreaterThanOrEqual(0);
      expect(Object.keys(report.methods[m])).toEqual(['ndcg10', 'recall10', 'recall100', 'mrr10']);
    }
    const file = /per-query results: (.*)$/.exec(err.join('\n'))![1]!;
    const lines = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(9);
    expect(lines.find((l) => l.method === 'bm25' && l.queryId === 'q1')).toMatchObject({
      metrics: { ndcg10: 1, recall10: 1, recall100: 1, mrr10: 1 },
      top: ['d1'],
    });
  });

  test('the table names the dataset and split; a second run reuses the ingested corpus', async () => {
    expect(await run('eval', '--dataset', join(dir, 'tiny'), '--methods', 'bm25')).toBe(0);
    expect(out.join('\n')).toMatch(/tiny \(test, 3 queries\)/);
    expect(out.join('\n')).toMatch(/bm25 {5}0\.920/);
    expect(err.join('\n')).toMatch(/ingested 4 documents/);
    err.length = 0;
    expect(await run('eval', '--dataset', join(dir, 'tiny'), '--methods', 'bm25')).toBe(0);
    expect(err.join('\n')).not.toMatch(/ingested/);
    // Queries ran on the sealed, indexed store: eval flushed what the ingest left growing.
    const db = await Quiver.open({ path: join(dir, 'store') });
    try {
      const segments = (await db.collection('beir_tiny')).stats().segments;
      expect(segments.filter((s) => s.state !== 'growing').reduce((n, s) => n + s.rows, 0)).toBeGreaterThan(0);
      expect(segments.filter((s) => s.state === 'growing').every((s) => s.rows === 0)).toBe(true);
    } finally {
      await db.close();
    }
  });

  test('a missing split or an unknown method is a clear error', async () => {
    expect(await run('eval', '--dataset', join(dir, 'tiny'), '--split', 'train')).toBe(3);
    expect(err.join('\n')).toMatch(/NOT_FOUND.*train\.tsv/);
    expect(await run('eval', '--dataset', join(dir, 'tiny'), '--methods', 'bm25,splade')).toBe(2);
    expect(err.join('\n')).toMatch(/"splade" is not one of bm25, dense, hybrid/);
  });
});
