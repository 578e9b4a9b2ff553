/**
 * SciFact's rationales as character spans, for the extractive benchmark. A claim's `metadata` maps each evidence
 * abstract to the indices of its rationale sentences. The BEIR corpus keeps an abstract as one string (its
 * sentences joined by spaces), so sentences are recovered with Quiver's own splitter; `aligned` says whether the
 * split has at least as many sentences as the highest gold index needs, which is the check available without
 * the original sentence lists.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { splitSentences } from '../../src/generate/sentences.js';

export interface Span {
  start: number;
  end: number;
}

export interface Abstract {
  /** Sentence spans in the ingested document text, which is `title + "\n\n" + text`. */
  sentences: Span[];
}

export interface Claim {
  id: string;
  text: string;
  /** Evidence abstract id → rationale sentence indices. */
  evidence: Map<string, number[]>;
}

export async function loadAbstracts(folder: string): Promise<Map<string, Abstract>> {
  const out = new Map<string, Abstract>();
  for (const line of (await readFile(join(folder, 'corpus.jsonl'), 'utf8')).split('\n')) {
    if (!line.trim()) continue;
    const doc = JSON.parse(line) as { _id: string; title: string; text: string };
    const offset = doc.title ? doc.title.length + 2 : 0;
    out.set(doc._id, {
      sentences: splitSentences(doc.text).map((s) => ({ start: offset + s.start, end: offset + s.end })),
    });
  }
  return out;
}

/** The claims of a split's qrels that have rationales. */
export async function loadClaims(folder: string, split: string): Promise<Claim[]> {
  const judged = new Set(
    (await readFile(join(folder, 'qrels', `${split}.tsv`), 'utf8'))
      .split(/\r?\n/)
      .slice(1)
      .filter(Boolean)
      .map((row) => row.split('\t')[0]!),
  );
  const out: Claim[] = [];
  for (const line of (await readFile(join(folder, 'queries.jsonl'), 'utf8')).split('\n')) {
    if (!line.trim()) continue;
    const q = JSON.parse(line) as { _id: string; text: string; metadata: Record<string, { sentences: number[] }[]> };
    if (!judged.has(q._id) || Object.keys(q.metadata ?? {}).length === 0) continue;
    const evidence = new Map<string, number[]>();
    for (const [doc, sets] of Object.entries(q.metadata))
      evidence.set(
        doc,
        sets.flatMap((s) => s.sentences),
      );
    out.push({ id: q._id, text: q.text, evidence });
  }
  return out;
}

/** Whether [start, end) overlaps any gold sentence of `doc` for `claim` by more than half of the shorter one. */
export function hitsRationale(claim: Claim, abstracts: Map<string, Abstract>, doc: string, span: Span): boolean {
  const gold = claim.evidence.get(doc);
  const abstract = abstracts.get(doc);
  if (!gold || !abstract) return false;
  return gold.some((i) => {
    const s = abstract.sentences[i];
    if (!s) return false;
    const overlap = Math.min(s.end, span.end) - Math.max(s.start, span.start);
    return overlap > 0.5 * Math.min(s.end - s.start, span.end - span.start);
  });
}

/** Share of evidence abstracts whose split has enough sentences for their highest rationale index. */
export function alignment(claims: Claim[], abstracts: Map<string, Abstract>): number {
  let pairs = 0;
  let ok = 0;
  for (const c of claims) {
    for (const [doc, gold] of c.evidence) {
      pairs += 1;
      if ((abstracts.get(doc)?.sentences.length ?? 0) > Math.max(...gold)) ok += 1;
    }
  }
  return ok / pairs;
}
