/**
 * Merging chunks into passages, purely: chunks of one document that overlap or sit next to each other become
 * one passage, in the order the first of them was relevant. Chunks overlap (a chunker may repeat the tail of
 * one chunk at the head of the next), so text is joined by character offsets into the document, never by
 * concatenating chunk texts, which would repeat the overlap.
 */

/** One chunk as the merge sees it. `start`/`end` are offsets into its document's text when known. */
export interface Piece {
  id: string;
  docId: string;
  source: string;
  title: string;
  chunkIndex: number;
  text: string;
  start?: number;
  end?: number;
  /** The page the chunk starts on, for paged documents. */
  page?: number | null;
  /** The retrieval score, for a hit (neighbours read around it have none). */
  score?: number;
  /** The heading path the chunk sits under, for structured documents. */
  headings?: string[];
}

export interface Passage {
  docId: string;
  source: string;
  title: string;
  text: string;
  /** Its chunks' ids in document order. */
  chunkIds: string[];
  /**
   * Offsets of `text` in its document, so that `documentText.slice(start, end) === text`. Present only when every
   * chunk has offsets and they overlap or touch: across a whitespace gap the chunker trimmed, `text` holds one
   * newline where the document has the original whitespace, and no offsets describe it exactly.
   */
  start?: number;
  end?: number;
  /**
   * Where the runs of `text` lie in the document, when every chunk has offsets: `text.slice(at, at + end - start)
   * === documentText.slice(start, end)`. One segment when the chunks overlap or touch; one more after each gap.
   */
  segments?: Segment[];
  /** The page its first chunk starts on, for paged documents. */
  page?: number | null;
  /** The best retrieval score among the hits merged into it. */
  score?: number;
  /** The heading path of its best-scoring hit, for structured documents. */
  headings?: string[];
}

/** A run of a passage's text at `at` that is exactly the document's [start, end). */
export interface Segment {
  at: number;
  start: number;
  end: number;
}

interface Span {
  docId: string;
  /** Order of first relevance: the rank of the earliest hit it holds. */
  rank: number;
  pieces: Map<string, Piece>;
  lo: number;
  hi: number;
  start?: number;
  end?: number;
}

const hasOffsets = (p: { start?: number; end?: number }): p is { start: number; end: number } =>
  typeof p.start === 'number' && typeof p.end === 'number';

/** Overlapping or touching character ranges, or neighbouring chunk indexes (the chunker trims whitespace
 * between chunks, so neighbours may leave a gap of whitespace between their offsets). */
function touches(a: Span, b: Span): boolean {
  if (hasOffsets(a) && hasOffsets(b) && a.start <= b.end && b.start <= a.end) return true;
  return a.lo <= b.hi + 1 && b.lo <= a.hi + 1;
}

function spanOf(pieces: readonly Piece[], rank: number): Span {
  const span: Span = { docId: pieces[0]!.docId, rank, pieces: new Map(), lo: Infinity, hi: -Infinity };
  for (const p of pieces) add(span, p);
  return span;
}

function add(span: Span, p: Piece): void {
  span.pieces.set(p.id, p);
  span.lo = Math.min(span.lo, p.chunkIndex);
  span.hi = Math.max(span.hi, p.chunkIndex);
  if (hasOffsets(p) && (span.pieces.size === 1 || hasOffsets(span))) {
    span.start = Math.min(span.start ?? p.start, p.start);
    span.end = Math.max(span.end ?? p.end, p.end);
  } else {
    span.start = undefined;
    span.end = undefined;
  }
}

/** The span's text: each piece adds only what lies past the end of the text so far; a whitespace gap
 * between neighbouring chunks (which the chunker trimmed) becomes one newline. While every piece has offsets,
 * the runs of text that are exact slices of the document are recorded as segments. */
function spanText(pieces: Piece[]): { text: string; segments?: Segment[] } {
  let text = '';
  let end: number | undefined;
  // A chunk's text is its document's slice [start, end); a piece without offsets cannot be located.
  let segments: Segment[] | undefined = [];
  for (const p of pieces) {
    if (!hasOffsets(p) || p.text.length !== p.end - p.start) segments = undefined;
    if (text === '') {
      text = p.text;
      end = p.end;
      segments?.push({ at: 0, start: p.start!, end: p.end! });
    } else if (end !== undefined && hasOffsets(p)) {
      if (p.end <= end) continue;
      if (p.start <= end) {
        text += p.text.slice(end - p.start);
        if (segments) segments[segments.length - 1]!.end = p.end;
      } else {
        text += `\n${p.text}`;
        segments?.push({ at: text.length - p.text.length, start: p.start, end: p.end });
      }
      end = p.end;
    } else {
      text += `\n${p.text}`;
      end = p.end;
      segments = undefined;
    }
  }
  return segments ? { text, segments } : { text };
}

/**
 * The passage's page, best score and headings: the first chunk's page, the best score of the hits in it, and the
 * heading path of that best hit (else of the first chunk that has one).
 */
function spanMeta(pieces: Piece[]): { page?: number | null; score?: number; headings?: string[] } {
  const out: { page?: number | null; score?: number; headings?: string[] } = {};
  const page = pieces[0]?.page;
  if (page !== undefined) out.page = page;
  let best: Piece | undefined;
  for (const p of pieces) if (p.score !== undefined && (best === undefined || p.score > best.score!)) best = p;
  if (best) out.score = best.score;
  const headings = (best?.headings?.length ? best : pieces.find((p) => p.headings?.length))?.headings;
  if (headings) out.headings = headings;
  return out;
}

/**
 * Merges hits into passages. `hits[i]` is the i-th most relevant hit with its neighbouring chunks (itself
 * included). Chunk ids seen before add nothing; a passage whose text repeats an earlier one's exactly (the
 * same file ingested twice under two names) is dropped.
 *
 * @example
 * mergePassages([[a0, a1], [b3], [a1, a2]]); // two passages: a0..a2 first, then b3
 */
export function mergePassages(hits: readonly (readonly Piece[])[]): Passage[] {
  const spans: Span[] = [];
  hits.forEach((pieces, rank) => {
    if (pieces.length === 0) return;
    let span = spanOf(pieces, rank);
    // Absorb every span of the document it touches; a merge can make it touch another, so repeat.
    for (let merged = true; merged; ) {
      merged = false;
      for (let i = 0; i < spans.length; i++) {
        const other = spans[i]!;
        if (other.docId !== span.docId || !touches(other, span)) continue;
        const [keep, drop] = other.rank <= span.rank ? [other, span] : [span, other];
        for (const p of drop.pieces.values()) {
          const held = keep.pieces.get(p.id);
          if (held === undefined) add(keep, p);
          // A chunk read as a neighbour first and hit later keeps its hit score.
          else if (p.score !== undefined && (held.score === undefined || p.score > held.score))
            keep.pieces.set(p.id, { ...held, score: p.score });
        }
        spans.splice(i, 1);
        span = keep;
        merged = true;
        break;
      }
    }
    spans.push(span);
  });
  spans.sort((a, b) => a.rank - b.rank);

  const seen = new Set<string>();
  const out: Passage[] = [];
  for (const span of spans) {
    const pieces = [...span.pieces.values()].sort((a, b) => a.chunkIndex - b.chunkIndex);
    const { text, segments } = spanText(pieces);
    if (seen.has(text)) continue;
    seen.add(text);
    const first = pieces[0]!;
    const passage: Passage = {
      docId: span.docId,
      source: first.source,
      title: first.title,
      text,
      chunkIds: pieces.map((p) => p.id),
    };
    if (segments) passage.segments = segments;
    if (segments?.length === 1) Object.assign(passage, { start: segments[0]!.start, end: segments[0]!.end });
    out.push(Object.assign(passage, spanMeta(pieces)));
  }
  return out;
}
