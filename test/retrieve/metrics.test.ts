/**
 * Retrieval metrics against hand-computed values (trec_eval definitions), and the BEIR loader on the shared
 * SciFact folder and on small files written here.
 */

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { loadBeirEvalSet } from '../../src/retrieve/eval/beir.js';
import { meanMetrics, mrrAt, ndcgAt, queryMetrics, recallAt } from '../../src/retrieve/eval/metrics.js';

const judged = (pairs: Record<string, number>) => new Map(Object.entries(pairs));

describe('metrics', () => {
  test('nDCG@k with graded gains and the ideal from the qrels', () => {
    const qrels = judged({ a: 2, b: 1, c: 1 });
    // Retrieved: x, a, c → DCG = 2/log2(3) + 1/log2(4); ideal: 2, 1, 1 → 2 + 1/log2(3) + 1/2.
    const dcg = 2 / Math.log2(3) + 1 / 2;
    const idcg = 2 + 1 / Math.log2(3) + 1 / 2;
    expect(ndcgAt(10, ['x', 'a', 'c'], qrels)).toBeCloseTo(dcg / idcg, 12);
    expect(ndcgAt(10, ['a', 'b', 'c'], qrels)).toBeCloseTo(1, 12);
    expect(ndcgAt(1, ['b', 'a'], qrels)).toBeCloseTo(1 / 2, 12);
    expect(ndcgAt(10, [], qrels)).toBe(0);
  });

  test('the ideal counts judged documents that were not retrieved', () => {
    expect(ndcgAt(10, ['a'], judged({ a: 1, b: 1 }))).toBeCloseTo(1 / (1 + 1 / Math.log2(3)), 12);
  });

  test('recall@k and MRR@k', () => {
    const qrels = judged({ a: 1, b: 1, z: 0 });
    expect(recallAt(2, ['x', 'a', 'b'], qrels)).toBe(0.5);
    expect(recallAt(3, ['x', 'a', 'b'], qrels)).toBe(1);
    expect(mrrAt(10, ['x', 'z', 'b'], qrels)).toBeCloseTo(1 / 3, 12);
    expect(mrrAt(2, ['x', 'z', 'b'], qrels)).toBe(0);
  });

  test('duplicates count once, at their first rank', () => {
    const qrels = judged({ a: 1 });
    expect(recallAt(10, ['a', 'a'], qrels)).toBe(1);
    expect(mrrAt(10, ['x', 'x', 'a'], qrels)).toBe(0.5);
    expect(ndcgAt(10, ['a', 'a'], qrels)).toBeCloseTo(1, 12);
  });

  test('zero-relevance judgements are not relevant', () => {
    expect(queryMetrics(['z'], judged({ z: 0 }))).toEqual({ ndcg10: 0, recall10: 0, recall100: 0, mrr10: 0 });
  });

  test('means over queries', () => {
    const a = queryMetrics(['a'], judged({ a: 1 }));
    const b = queryMetrics(['x'], judged({ a: 1 }));
    expect(meanMetrics([a, b])).toEqual({ ndcg10: 0.5, recall10: 0.5, recall100: 0.5, mrr10: 0.5 });
    expect(meanMetrics([])).toEqual({ ndcg10: 0, recall10: 0, recall100: 0, mrr10: 0 });
  });
});

const scifact = fileURLToPath(new URL('../../../shared/data/scifact/', import.meta.url));

describe('BEIR eval sets', () => {
  test.skipIf(!existsSync(scifact))('SciFact test split: 300 judged queries, 339 pairs', async () => {
    const set = await loadBeirEvalSet(scifact, 'test');
    expect(set.queries).toHaveLength(300);
    expect([...set.qrels.values()].reduce((n, j) => n + j.size, 0)).toBe(339);
    expect(set.qrels.get('1')?.get('31715818')).toBe(1);
    expect(set.queries.find((q) => q.id === '1')?.text.length).toBeGreaterThan(10);
  });

  test('CRLF, a header, and clear errors for bad lines and missing files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'quiver-beir-'));
    try {
      await mkdir(join(dir, 'qrels'));
      await writeFile(join(dir, 'queries.jsonl'), '{"_id": "q1", "text": "what"}\r\n{"_id": "q2", "text": "why"}\r\n');
      await writeFile(join(dir, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\r\nq1\td1\t1\r\nq1\td2\t2\r\n');
      const set = await loadBeirEvalSet(dir);
      expect(set.queries).toEqual([{ id: 'q1', text: 'what' }]);
      expect(set.qrels.get('q1')).toEqual(
        new Map([
          ['d1', 1],
          ['d2', 2],
        ]),
      );
      await writeFile(join(dir, 'qrels', 'bad.tsv'), 'query-id\tcorpus-id\tscore\nq1 d1 1\n');
      await expect(loadBeirEvalSet(dir, 'bad')).rejects.toMatchObject({ code: 'MALFORMED_FILE', details: { line: 2 } });
      await expect(loadBeirEvalSet(dir, 'dev')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await writeFile(join(dir, 'qrels', 'orphan.tsv'), 'q9\td1\t1\n');
      await expect(loadBeirEvalSet(dir, 'orphan')).rejects.toThrow(/query "q9" is judged but missing/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
