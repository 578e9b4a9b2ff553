/**
 * The RAG loop: retrieve chunks for a question, assemble them into numbered passages within a token budget,
 * hand those to a generator as sources, then check the answer's [n] citations against the sources given.
 * Citations the answer makes to sources it was not given are removed from the text and reported; the
 * citations returned are the sources actually cited, with their documents' offsets, pages and scores, so a
 * caller can show or highlight exactly what the answer rests on. `askStream` does the same while the answer
 * is produced: its token events join to exactly the final answer text.
 */

import { QuiverError } from '../errors.js';
import { CitationFilter, checkCitations } from '../generate/citations.js';
import type { Generator, Quote, Source, Usage } from '../generate/generator.js';
import { assembleContext, type ContextCollection, type TokenCounter } from '../retrieve/context.js';
import type { Segment } from '../retrieve/passages.js';
import type { ChunkRetriever, RetrieveOptions } from '../retrieve/types.js';

/** What `ask` runs on. */
export interface AskComponents {
  retriever: ChunkRetriever;
  /** The chunk collection, read for neighbouring chunks. */
  collection: ContextCollection;
  generator: Generator;
  /** Counts context tokens (the embedder's tokenizer, say). Default: whitespace words × 1.3. */
  countTokens?: TokenCounter;
}

export interface AskOptions extends Pick<RetrieveOptions, 'k' | 'filter' | 'params' | 'mode' | 'maxChunksPerDocument'> {
  /** Most tokens of sources handed to the generator. Default 2,000. */
  maxContextTokens?: number;
  /** Neighbouring chunks added on each side of a hit. Default 0. */
  neighbours?: number;
  /** Cancels the call (checked between retrieval steps; passed to the generator): rejects with ABORTED. */
  signal?: AbortSignal;
}

/** A source the answer cites. Offsets are into the document's text; null where the chunks did not allow exact ones. */
export interface Citation {
  n: number;
  /** The primary key of the source's first chunk. */
  id: string;
  docId: string;
  source: string;
  title: string;
  page: number | null;
  start: number | null;
  end: number | null;
  /** The best retrieval score among the chunks the source holds. */
  score: number;
  /** The heading path the source sits under (empty for unstructured documents). */
  headings: string[];
  text: string;
  /**
   * What the answer quotes word for word from this source, for generators that say (the extractive one), with
   * offsets into the document: exact even when the source's own are null, unless a quote straddles a gap.
   */
  quotes?: { start: number | null; end: number | null; text: string }[];
}

export interface Answer {
  /** The answer text, its invalid citations removed. */
  answer: string;
  /** The sources the answer cites, in order of first citation. */
  citations: Citation[];
  usage: Usage;
  timings: { retrieveMs: number; generateMs: number; totalMs: number };
  /** Numbers the generator cited that refer to no source it was given; removed from `answer`. */
  invalidCitations: number[];
}

export type AskEvent =
  | { type: 'token'; text: string }
  | { type: 'citations'; citations: Citation[] }
  | { type: 'done'; answer: Answer };

function aborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new QuiverError('ABORTED', 'the question was cancelled', {}, { cause: signal.reason });
}

/** Retrieves and assembles the sources; `retrieveMs` covers both. */
async function prepare(
  parts: AskComponents,
  question: string,
  options: AskOptions,
): Promise<{ sources: Source[]; segments: Map<number, Segment[]>; retrieveMs: number }> {
  if (typeof question !== 'string' || question.trim() === '') {
    throw new QuiverError('INVALID_ARGUMENT', 'question must be a non-empty string', { field: 'question' });
  }
  const { signal, maxContextTokens, neighbours } = options;
  aborted(signal);
  const began = performance.now();
  // Only the keys given: an undefined one would override the retriever's own defaults.
  const retrieveOptions: RetrieveOptions = {};
  for (const key of ['k', 'filter', 'params', 'mode', 'maxChunksPerDocument'] as const) {
    if (options[key] !== undefined) Object.assign(retrieveOptions, { [key]: options[key] });
  }
  const chunks = await parts.retriever.retrieve(question, retrieveOptions);
  aborted(signal);
  const context = await assembleContext(
    parts.collection,
    chunks,
    { maxTokens: maxContextTokens, neighbours },
    parts.countTokens,
  );
  aborted(signal);
  const sources = context.passages.map(
    (p): Source => ({
      n: p.n,
      id: p.chunkIds[0] ?? '',
      docId: p.docId,
      source: p.source,
      title: p.title,
      page: p.page ?? null,
      ...(p.start !== undefined && p.end !== undefined ? { start: p.start, end: p.end } : {}),
      ...(p.score !== undefined ? { score: p.score } : {}),
      ...(p.headings ? { headings: p.headings } : {}),
      text: p.text,
    }),
  );
  const segments = new Map(context.passages.map((p) => [p.n, p.segments ?? []]));
  return { sources, segments, retrieveMs: performance.now() - began };
}

/**
 * A quote's offsets in its document: through the passage's segments, so a quote stays locatable in a passage
 * merged across a gap; null when the quote straddles a gap or the chunks had no offsets.
 */
function locate(segments: readonly Segment[], q: Quote): { start: number | null; end: number | null } {
  for (const s of segments) {
    if (q.start >= s.at && q.end <= s.at + (s.end - s.start)) {
      return { start: s.start + (q.start - s.at), end: s.start + (q.end - s.at) };
    }
  }
  return { start: null, end: null };
}

/** The cited sources, in order of first citation, with what the answer quotes from each. */
function citationsOf(
  sources: readonly Source[],
  segments: ReadonlyMap<number, Segment[]>,
  cited: readonly number[],
  quotes: readonly Quote[] = [],
): Citation[] {
  const byN = new Map(sources.map((s) => [s.n, s]));
  return cited.map((n) => {
    const s = byN.get(n)!;
    const citation: Citation = {
      n,
      id: s.id,
      docId: s.docId,
      source: s.source,
      title: s.title,
      page: s.page ?? null,
      start: s.start ?? null,
      end: s.end ?? null,
      score: s.score ?? 0,
      headings: s.headings ?? [],
      text: s.text,
    };
    const own = quotes.filter((q) => q.n === n);
    if (own.length > 0) citation.quotes = own.map((q) => ({ ...locate(segments.get(n) ?? [], q), text: q.text }));
    return citation;
  });
}

/**
 * Answers `question` from the collection, citing its sources.
 *
 * @example
 * const answer = await ask({ retriever, collection, generator: new ExtractiveGenerator() }, 'How long do cats sleep?', {
 *   k: 5,
 *   neighbours: 1,
 * });
 * answer.answer; // 'Domestic cats sleep between twelve and sixteen hours a day… [1]'
 * answer.citations[0]; // { n: 1, docId, source, title, page, start, end, score, text, quotes }
 */
export async function ask(parts: AskComponents, question: string, options: AskOptions = {}): Promise<Answer> {
  const began = performance.now();
  const { sources, segments, retrieveMs } = await prepare(parts, question, options);
  const generating = performance.now();
  const result = await parts.generator.generate({ question, sources, signal: options.signal });
  const generateMs = performance.now() - generating;
  const checked = checkCitations(result.text, sources);
  return {
    answer: checked.text,
    citations: citationsOf(sources, segments, checked.cited, result.quotes),
    usage: result.usage,
    timings: { retrieveMs, generateMs, totalMs: performance.now() - began },
    invalidCitations: checked.invalid,
  };
}

/**
 * `ask` as a stream: the answer's text as the generator produces it (invalid citations already removed), then
 * the cited sources, then the whole answer.
 *
 * @example
 * for await (const event of askStream(parts, question)) {
 *   if (event.type === 'token') process.stdout.write(event.text);
 *   else if (event.type === 'citations') showSources(event.citations);
 * }
 */
export async function* askStream(
  parts: AskComponents,
  question: string,
  options: AskOptions = {},
): AsyncGenerator<AskEvent, void, undefined> {
  const began = performance.now();
  const { sources, segments, retrieveMs } = await prepare(parts, question, options);
  const generating = performance.now();
  const filter = new CitationFilter(sources);
  let answer = '';
  for await (const event of parts.generator.stream({ question, sources, signal: options.signal })) {
    if (event.type === 'token') {
      const text = filter.push(event.text);
      answer += text;
      if (text !== '') yield { type: 'token', text };
      continue;
    }
    const rest = filter.flush();
    answer += rest;
    if (rest !== '') yield { type: 'token', text: rest };
    const generateMs = performance.now() - generating;
    const citations = citationsOf(sources, segments, filter.cited, event.quotes);
    yield { type: 'citations', citations };
    const timings = { retrieveMs, generateMs, totalMs: performance.now() - began };
    yield {
      type: 'done',
      answer: { answer, citations, usage: event.usage, timings, invalidCitations: filter.invalid },
    };
    return;
  }
  throw new QuiverError('UPSTREAM', `generator ${parts.generator.modelId} ended its stream without a done event`);
}
