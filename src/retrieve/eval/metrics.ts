/**
 * Retrieval metrics by trec_eval's definitions, over one query at a time: a ranked list of document ids
 * against graded relevance judgements (qrels). Averages over queries are the caller's (`meanMetrics`).
 *
 * - nDCG@k: gain = the judged relevance, discount log2(rank + 1) with ranks from 1; the ideal DCG sorts the
 *   query's judged relevances (not just the retrieved ones) in descending order.
 * - recall@k: relevant documents (relevance > 0) retrieved in the top k ÷ all relevant documents.
 * - MRR@k: 1 / rank of the first relevant document in the top k, else 0.
 * Duplicate ids in a ranking count once, at their first rank, as trec_eval does.
 */

/** Judged relevance per document id for one query; ids not listed are non-relevant. */
export type Judgements = ReadonlyMap<string, number>;

export interface QueryMetrics {
  ndcg10: number;
  recall10: number;
  recall100: number;
  mrr10: number;
}

function dedupe(ranking: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const id of ranking) {
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(id);
  }
  return out;
}

export function ndcgAt(k: number, ranking: readonly string[], qrels: Judgements): number {
  const ranked = dedupe(ranking).slice(0, k);
  let dcg = 0;
  ranked.forEach((id, i) => {
    const gain = qrels.get(id) ?? 0;
    if (gain > 0) dcg += gain / Math.log2(i + 2);
  });
  const ideal = [...qrels.values()]
    .filter((g) => g > 0)
    .sort((a, b) => b - a)
    .slice(0, k);
  const idcg = ideal.reduce((sum, gain, i) => sum + gain / Math.log2(i + 2), 0);
  return idcg === 0 ? 0 : dcg / idcg;
}

export function recallAt(k: number, ranking: readonly string[], qrels: Judgements): number {
  const relevant = [...qrels.values()].filter((g) => g > 0).length;
  if (relevant === 0) return 0;
  let found = 0;
  for (const id of dedupe(ranking).slice(0, k)) if ((qrels.get(id) ?? 0) > 0) found++;
  return found / relevant;
}

export function mrrAt(k: number, ranking: readonly string[], qrels: Judgements): number {
  const ranked = dedupe(ranking).slice(0, k);
  const first = ranked.findIndex((id) => (qrels.get(id) ?? 0) > 0);
  return first === -1 ? 0 : 1 / (first + 1);
}

export function queryMetrics(ranking: readonly string[], qrels: Judgements): QueryMetrics {
  return {
    ndcg10: ndcgAt(10, ranking, qrels),
    recall10: recallAt(10, ranking, qrels),
    recall100: recallAt(100, ranking, qrels),
    mrr10: mrrAt(10, ranking, qrels),
  };
}

/** The mean of each metric over queries (0 for none). */
export function meanMetrics(all: readonly QueryMetrics[]): QueryMetrics {
  const mean = (pick: (m: QueryMetrics) => number) =>
    all.length === 0 ? 0 : all.reduce((s, m) => s + pick(m), 0) / all.length;
  return {
    ndcg10: mean((m) => m.ndcg10),
    recall10: mean((m) => m.recall10),
    recall100: mean((m) => m.recall100),
    mrr10: mean((m) => m.mrr10),
  };
}
