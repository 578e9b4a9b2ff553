/**
 * What the generator read, for the extractive benchmark's ceiling and baselines: a Generator wrapper that keeps the
 * sources `ask` hands over, and those sources' sentences as the extractive generator sees its candidates (its own
 * splitter, prose only, at least one content term), each placed in its document by offsets. The baselines pick
 * from the same sentences: "lead" the first ones of the top-ranked source, "random" any of them.
 */

import type {
  GenerateEvent,
  GenerateRequest,
  GenerateResult,
  Generator,
  Source,
} from '../../src/generate/generator.js';
import { splitSentences } from '../../src/generate/sentences.js';
import { createAnalyzer } from '../../src/store/text/analyzer.js';
import type { Abstract, Span } from './scifact-rationales.js';

/** Passes every call through to `inner`, keeping the sources of the latest one. */
export class RecordingGenerator implements Generator {
  readonly modelId: string;
  readonly #inner: Generator;
  sources: Source[] = [];

  constructor(inner: Generator) {
    this.#inner = inner;
    this.modelId = inner.modelId;
  }

  generate(request: GenerateRequest): Promise<GenerateResult> {
    this.sources = request.sources;
    return this.#inner.generate(request);
  }

  stream(request: GenerateRequest): AsyncIterable<GenerateEvent> {
    this.sources = request.sources;
    return this.#inner.stream(request);
  }
}

export interface ContextSentence {
  /** The source's rank in the context, from 0. */
  rank: number;
  doc: string;
  /** Offsets into the document's text. */
  span: Span;
  /** Whether it is the document's title line (never a rationale; the baselines leave titles out). */
  title: boolean;
}

export interface ContextSentences {
  sentences: ContextSentence[];
  /** Candidate sentences that could not be placed in their document (none expected). */
  unplaced: number;
}

/**
 * The candidate sentences of `sources`, in context order. A source with offsets places its sentences directly;
 * one merged across a gap (no offsets) is searched for each sentence's text (`placeIn`). A sentence that cannot
 * be placed is counted, not scored.
 */
export function contextSentences(
  sources: readonly Source[],
  abstracts: ReadonlyMap<string, Abstract>,
  docKey: (docId: string) => string,
): ContextSentences {
  const analyzer = createAnalyzer();
  const sentences: ContextSentence[] = [];
  let unplaced = 0;
  sources.forEach((source, rank) => {
    const doc = docKey(source.docId);
    const abstract = abstracts.get(doc);
    for (const s of splitSentences(source.text)) {
      if (s.kind !== undefined || analyzer.analyze(s.text).length === 0) continue;
      const span = placeIn(
        abstract?.text ?? '',
        s.text,
        source.start === undefined ? undefined : source.start + s.start,
      );
      if (!abstract || !span) {
        unplaced += 1;
        continue;
      }
      sentences.push({ rank, doc, span, title: span.end <= abstract.bodyStart });
    }
  });
  return { sentences, unplaced };
}

/**
 * Where `text` lies in `doc`: at `at` when that is where it is, else where it first occurs, else from its first
 * line to its last found in order (a passage joins chunks across a gap with one newline where the document has
 * other whitespace, so a sentence across the gap is no exact slice). null when it is not there.
 *
 * @example
 * placeIn('Title\n\nFirst sentence.', 'Title\nFirst sentence.'); // { start: 0, end: 22 }
 */
export function placeIn(doc: string, text: string, at?: number): Span | null {
  if (at !== undefined && doc.startsWith(text, at)) return { start: at, end: at + text.length };
  const exact = doc.indexOf(text);
  if (exact >= 0) return { start: exact, end: exact + text.length };
  let start = -1;
  let end = 0;
  for (const line of text.split('\n')) {
    const found = doc.indexOf(line, end);
    if (line === '' || found < 0) return null;
    if (start < 0) start = found;
    end = found + line.length;
  }
  return start < 0 ? null : { start, end };
}

/** The lead baseline: the first `m` non-title sentences of the top-ranked source. */
export function leadSentences(sentences: readonly ContextSentence[], m: number): ContextSentence[] {
  return sentences.filter((s) => s.rank === 0 && !s.title).slice(0, m);
}

/** The random baseline: `m` distinct non-title sentences of the context, drawn with `random` (uniform in [0, 1)). */
export function randomSentences(
  sentences: readonly ContextSentence[],
  m: number,
  random: () => number,
): ContextSentence[] {
  const pool = sentences.filter((s) => !s.title);
  const take = Math.min(m, pool.length);
  // A partial Fisher–Yates shuffle: the first `take` places end up a uniform draw without replacement.
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, take);
}

/**
 * The chance that `m` sentences drawn without replacement from `size` include at least one of `hits`: the
 * random baseline's expected hit rate for one claim, free of the draw's luck.
 */
export function chanceOfHit(size: number, hits: number, m: number): number {
  let miss = 1;
  for (let i = 0; i < Math.min(m, size); i++) miss *= Math.max(0, size - hits - i) / (size - i);
  return 1 - miss;
}
