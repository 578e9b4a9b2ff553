/**
 * Context assembly: turns retrieved chunks into the numbered, sourced passages a generator reads. Each hit
 * is widened by its neighbouring chunks (read from the collection), chunks of one document that overlap or
 * touch are merged into one passage by their character offsets, and passages are added in order of first
 * relevance until the next would push the context past its token budget. Each passage keeps what a citation
 * needs: its offsets and segments in the document, the page it starts on and the best score of its hits.
 */

import { QuiverError } from '../errors.js';
import type { CollectionApi } from '../store/collection/collection-api.js';
import { mergePassages, type Piece } from './passages.js';
import type { AssembledContext, ContextOptions, RetrievedChunk } from './types.js';

/** What context assembly needs of a chunk collection: reading rows by filter. */
export type ContextCollection = Pick<CollectionApi, 'query'>;

export type TokenCounter = (text: string) => number;

export const DEFAULT_CONTEXT_TOKENS = 2000;
const MAX_NEIGHBOURS = 100;
const PIECE_FIELDS = ['text', 'doc_id', 'source', 'title', 'chunk_index', 'start', 'end', 'page', 'headings'];

/**
 * A tokenizer-free estimate: whitespace-separated words × 1.3, rounded up. English text averages about 1.3
 * WordPiece/BPE tokens per word, so this is close for prose and errs high for short words.
 */
export function estimateTokens(text: string): number {
  const words = text.split(/\s+/).filter((w) => w !== '').length;
  return Math.ceil(words * 1.3);
}

function boundedInt(field: string, v: unknown, fallback: number, min: number, max: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new QuiverError('INVALID_ARGUMENT', `${field} must be an integer in [${min}, ${max}]; got ${String(v)}`, {
      field,
    });
  }
  return v;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const page = (v: unknown): number | null | undefined => (v === null ? null : num(v));
const headings = (v: unknown): { headings?: string[] } =>
  Array.isArray(v) && v.length > 0 && v.every((h) => typeof h === 'string') ? { headings: v } : {};

function pieceOf(chunk: RetrievedChunk): Piece {
  return {
    id: chunk.id,
    docId: chunk.docId,
    source: chunk.source,
    title: chunk.title,
    chunkIndex: chunk.chunkIndex,
    text: chunk.text,
    start: num(chunk.fields.start),
    end: num(chunk.fields.end),
    page: page(chunk.fields.page),
    score: chunk.score,
    ...headings(chunk.fields.headings),
  };
}

function pieceFromRow(row: Record<string, unknown>): Piece {
  return {
    id: String(row.id),
    docId: String(row.doc_id ?? ''),
    source: String(row.source ?? ''),
    title: String(row.title ?? ''),
    chunkIndex: Number(row.chunk_index),
    text: String(row.text ?? ''),
    start: num(row.start),
    end: num(row.end),
    page: page(row.page),
    ...headings(row.headings),
  };
}

async function withNeighbours(collection: ContextCollection, chunk: RetrievedChunk, n: number): Promise<Piece[]> {
  const self = pieceOf(chunk);
  if (n === 0) return [self];
  const rows = await collection.query({
    filter: 'doc_id == {d} and chunk_index >= {a} and chunk_index <= {b}',
    params: { d: chunk.docId, a: chunk.chunkIndex - n, b: chunk.chunkIndex + n },
    outputFields: PIECE_FIELDS,
    limit: 2 * n + 1,
  });
  // The hit keeps its score; its neighbours have none.
  const pieces = rows.map((row) => (String(row.id) === self.id ? self : pieceFromRow(row)));
  // The hit itself stays even if it was deleted since it was retrieved: it is what the caller will cite.
  if (!pieces.some((p) => p.id === self.id)) pieces.push(self);
  return pieces;
}

function heading(n: number, p: { title: string; source: string; docId: string }): string {
  if (p.title && p.source) return `[${n}] ${p.title} (${p.source})`;
  return `[${n}] ${p.title || p.source || p.docId}`;
}

/**
 * Builds the context for a generator from ranked chunks (best first). `countTokens` is the embedder's
 * tokenizer when it has one; without it, tokens are estimated as whitespace words × 1.3 (`estimateTokens`).
 * Passages are added whole, best first, and assembly stops at the first one that would exceed `maxTokens`
 * (a later, shorter one is not squeezed in: the citation order must follow relevance).
 *
 * @example
 * const chunks = await retriever.retrieve(question, { k: 6, maxChunksPerDocument: 2 });
 * const context = await assembleContext(collection, chunks, { maxTokens: 1500, neighbours: 1 }, (t) =>
 *   embedder.countTokens?.(t) ?? estimateTokens(t),
 * );
 * context.text; // "[1] Install (guide/install.md)\n...\n\n[2] ..."
 */
export async function assembleContext(
  collection: ContextCollection,
  chunks: readonly RetrievedChunk[],
  options: ContextOptions = {},
  countTokens: TokenCounter = estimateTokens,
): Promise<AssembledContext> {
  if (!Array.isArray(chunks)) {
    throw new QuiverError('INVALID_ARGUMENT', 'chunks must be an array of retrieved chunks', { field: 'chunks' });
  }
  const maxTokens = boundedInt('maxTokens', options.maxTokens, DEFAULT_CONTEXT_TOKENS, 1, Number.MAX_SAFE_INTEGER);
  const neighbours = boundedInt('neighbours', options.neighbours, 0, 0, MAX_NEIGHBOURS);

  const seen = new Set<string>();
  const hits: Piece[][] = [];
  for (const chunk of chunks) {
    if (seen.has(chunk.id)) continue;
    seen.add(chunk.id);
    hits.push(await withNeighbours(collection, chunk, neighbours));
  }

  const out: AssembledContext = { passages: [], text: '', tokens: 0 };
  for (const p of mergePassages(hits)) {
    const n = out.passages.length + 1;
    const block = `${heading(n, p)}\n${p.text}`;
    const text = out.text === '' ? block : `${out.text}\n\n${block}`;
    const tokens = countTokens(text);
    if (tokens > maxTokens) break;
    out.passages.push({ n, ...p });
    out.text = text;
    out.tokens = tokens;
  }
  return out;
}
