/**
 * SciFact's rationales as character spans in the documents Quiver ingests, for the extractive benchmark. A claim's
 * `metadata` maps each evidence abstract to sets of rationale sentence indices. The BEIR corpus has no sentence
 * list: `text` is the abstract's sentences joined by single spaces, and the ingested document is
 * `title + "\n\n" + text` (the BEIR loader preset). So the boundaries are recovered here by a splitter written
 * for that text, not by the generator's own: scientific abstracts start sentences with lowercase gene names
 * ("cDNA", "miR-193a"), end them on a capital ("lamin A.") and use species initials ("C. elegans") that no
 * general splitter can tell apart. `alignment` reports how well the recovered sentences fit the gold indices.
 */

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { splitSentences } from '../../src/generate/sentences.js';
import { loadBeirEvalSet } from '../../src/retrieve/eval/beir.js';
import { createAnalyzer } from '../../src/store/text/analyzer.js';

export interface Span {
  start: number;
  end: number;
}

export interface Abstract {
  /** The document text as ingested: `title + "\n\n" + abstract`. */
  text: string;
  /** Where the abstract starts in `text` (after the title and its blank line). */
  bodyStart: number;
  /** The abstract's sentences as offsets into `text`, in SciFact's order. */
  sentences: Span[];
}

export interface Claim {
  id: string;
  text: string;
  /** Evidence abstract id → its rationale sentence indices (every rationale set, merged). */
  evidence: Map<string, Set<number>>;
}

/**
 * Words whose period never ends a sentence in these abstracts ("et al.", "vs."). Not "ref." or "p.": SciFact's
 * own split ends a sentence at "(ref. 3)" and "p. Lys27Met", and the gold indices after them count on it.
 */
const NEVER_END = new Set(
  'al e.g i.e vs cf fig figs approx ca no nos pp eq dr mr mrs ms prof st sp spp var resp viz'.split(' '),
);
/** End punctuation, any closing quotes or brackets, then the whitespace SciFact joined the sentences with. */
const END = /[.?!]+["'”’)\]]*(\s+)(?=\S)/g;

/** Whether the period at `at` of `text` belongs to an abbreviation or an initial rather than ending a sentence. */
function abbreviation(text: string, at: number, next: number): boolean {
  let i = at;
  while (i > 0 && /[\p{L}\p{N}.]/u.test(text[i - 1]!)) i--;
  const word = text.slice(i, at);
  const lower = word.toLowerCase();
  if (NEVER_END.has(lower)) return true;
  // Dotted short forms: "i.v.", "U.S.".
  if (lower.includes('.') && /^[a-z.]{1,5}$/.test(lower)) return true;
  if (!/^\p{Lu}$/u.test(word)) return false;
  // A single capital is a species initial before a lowercase word ("C. elegans") or inside brackets
  // ("(N. Italy)"); before a capitalized word it ends a sentence ("lamin A. Fibroblasts").
  return /^\p{Ll}/u.test(text.slice(next, next + 1)) || text[i - 1] === '(';
}

/**
 * The sentences of one SciFact abstract (BEIR `text`), as offsets into it.
 *
 * @example
 * splitAbstract('Loss of BLM. cDNA analysis found C. elegans genes.'); // two spans: "Loss of BLM." and "cDNA …"
 */
export function splitAbstract(text: string): Span[] {
  const out: Span[] = [];
  let from = 0;
  for (const m of text.matchAll(END)) {
    const next = m.index + m[0].length;
    // No sentence starts with a closing bracket or a comma ("(EpiSCs; ref. ).").
    if (')]},;:'.includes(text[next]!)) continue;
    if (m[0].startsWith('.') && !m[0].startsWith('..') && abbreviation(text, m.index, next)) continue;
    out.push({ start: from, end: next - m[1]!.length });
    from = next;
  }
  out.push({ start: from, end: text.trimEnd().length });
  // A stray closing quote after a period is not a sentence of its own.
  const merged: Span[] = [];
  for (const s of out) {
    if (merged.length > 0 && !/[\p{L}\p{N}]/u.test(text.slice(s.start, s.end))) merged[merged.length - 1]!.end = s.end;
    else merged.push(s);
  }
  return merged;
}

/** Every abstract of the corpus, keyed by its `_id`. Also returns the corpus file's sha256, to name the data. */
export async function loadAbstracts(folder: string): Promise<{ abstracts: Map<string, Abstract>; sha256: string }> {
  const raw = await readFile(join(folder, 'corpus.jsonl'), 'utf8');
  const abstracts = new Map<string, Abstract>();
  for (const line of raw.split('\n')) {
    if (!line.trim()) continue;
    const doc = JSON.parse(line) as { _id: string; title?: string; text?: string };
    const title = doc.title ?? '';
    const body = doc.text ?? '';
    // As the JSON loader builds a record's text: non-blank fields joined by a blank line.
    const bodyStart = title.trim() === '' ? 0 : title.length + 2;
    const text = [title, body].filter((t) => t.trim() !== '').join('\n\n');
    const sentences = splitAbstract(body).map((s) => ({ start: bodyStart + s.start, end: bodyStart + s.end }));
    abstracts.set(doc._id, { text, bodyStart, sentences });
  }
  return { abstracts, sha256: createHash('sha256').update(raw).digest('hex') };
}

/** The claims judged in `split`'s qrels that have rationales (SciFact's "not enough info" claims have none). */
export async function loadClaims(folder: string, split: string): Promise<Claim[]> {
  const judged = await loadBeirEvalSet(folder, split);
  const evidence = new Map<string, Map<string, Set<number>>>();
  for (const line of (await readFile(join(folder, 'queries.jsonl'), 'utf8')).split('\n')) {
    if (!line.trim()) continue;
    const q = JSON.parse(line) as { _id: string; metadata?: Record<string, { sentences: number[] }[]> };
    const docs = new Map<string, Set<number>>();
    for (const [doc, sets] of Object.entries(q.metadata ?? {}))
      docs.set(doc, new Set(sets.flatMap((s) => s.sentences)));
    if (docs.size > 0) evidence.set(q._id, docs);
  }
  return judged.queries
    .filter((q) => evidence.has(q.id))
    .map((q) => ({ id: q.id, text: q.text, evidence: evidence.get(q.id)! }));
}

/**
 * The indices of the sentences of `abstract` that `span` (offsets into its text) stands for: those it overlaps by
 * more than half of the shorter of the two. So a quote that merges two gold sentences stands for both, and a
 * fragment of one (cut at a chunk edge, or split where SciFact did not) stands for that one.
 */
export function sentencesCovered(abstract: Abstract, span: Span): number[] {
  const out: number[] = [];
  abstract.sentences.forEach((s, i) => {
    const overlap = Math.min(s.end, span.end) - Math.max(s.start, span.start);
    if (overlap > 0.5 * Math.min(s.end - s.start, span.end - span.start)) out.push(i);
  });
  return out;
}

/** Whether `span` of abstract `doc` stands for one of `claim`'s rationale sentences. */
export function isRationale(claim: Claim, abstracts: ReadonlyMap<string, Abstract>, doc: string, span: Span): boolean {
  const gold = claim.evidence.get(doc);
  const abstract = abstracts.get(doc);
  if (!gold || !abstract) return false;
  return sentencesCovered(abstract, span).some((i) => gold.has(i));
}

export interface Alignment {
  /** (claim, evidence abstract) pairs. */
  pairs: number;
  /** Pairs whose abstract splits into too few sentences for its highest rationale index: surely misaligned. */
  tooFewSentences: number;
  /**
   * Share of pairs where a rationale sentence is the abstract's sentence sharing the most content terms with the
   * claim, with this split and with the generator's: indices shifted by a wrong boundary land on unrelated
   * sentences and lower it. (On the structured abstracts, making "BACKGROUND"-style headings sentences of their
   * own cuts it about tenfold: SciFact keeps a heading in its sentence, as this split does.)
   */
  rationaleClosestToClaim: { thisSplit: number; generatorSplit: number };
  /** Evidence abstracts, and those where the generator's splitter puts a boundary this one does not, or back. */
  evidenceAbstracts: number;
  splittersDisagree: number;
}

/** Whether a gold sentence shares the most content terms with the claim among `sentences`. */
function closest(claim: ReadonlySet<string>, sentences: readonly string[], gold: ReadonlySet<number>): boolean {
  const analyzer = createAnalyzer();
  const shared = sentences.map((s) => [...new Set(analyzer.analyze(s))].filter((t) => claim.has(t)));
  const best = Math.max(...shared.map((x) => x.length));
  return [...gold].some((i) => shared[i] !== undefined && shared[i].length === best);
}

/** How well the recovered sentences fit the gold indices, and how often the generator's splitter differs. */
export function alignment(claims: readonly Claim[], abstracts: ReadonlyMap<string, Abstract>): Alignment {
  let pairs = 0;
  let tooFew = 0;
  const close = { thisSplit: 0, generatorSplit: 0 };
  const docs = new Set<string>();
  for (const c of claims) {
    const claimTerms = new Set(createAnalyzer().analyze(c.text));
    for (const [doc, gold] of c.evidence) {
      const a = abstracts.get(doc);
      pairs += 1;
      if (!a) continue;
      docs.add(doc);
      if (a.sentences.length <= Math.max(...gold)) tooFew += 1;
      if (
        closest(
          claimTerms,
          a.sentences.map((s) => a.text.slice(s.start, s.end)),
          gold,
        )
      )
        close.thisSplit += 1;
      const theirs = splitSentences(a.text.slice(a.bodyStart)).map((s) => s.text);
      if (closest(claimTerms, theirs, gold)) close.generatorSplit += 1;
    }
  }
  let disagree = 0;
  for (const doc of docs) {
    const a = abstracts.get(doc)!;
    const ours = a.sentences.map((s) => s.start - a.bodyStart).join(',');
    if (
      splitSentences(a.text.slice(a.bodyStart))
        .map((s) => s.start)
        .join(',') !== ours
    )
      disagree += 1;
  }
  return {
    pairs,
    tooFewSentences: tooFew,
    rationaleClosestToClaim: { thisSplit: close.thisSplit / pairs, generatorSplit: close.generatorSplit / pairs },
    evidenceAbstracts: docs.size,
    splittersDisagree: disagree,
  };
}
