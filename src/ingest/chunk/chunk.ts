/**
 * What a chunker produces. `text` is always exactly `document.text.slice(start, end)`, so a citation can point
 * back into the original; chunkers never rewrite or trim the characters they return.
 */

export interface Chunk {
  /** Position of the chunk within its document, from 0. */
  index: number;
  text: string;
  /** Character offsets into the document's text: `text === doc.text.slice(start, end)`. */
  start: number;
  end: number;
  /** The page the chunk starts on, for paged documents. */
  page?: number;
  /** Markdown heading path at the chunk's start, outermost first, e.g. ['Install', 'From npm']. */
  headings?: string[];
}

/** Counts length in the unit a chunk size is given in: characters, or the embedding model's tokens. */
export type LengthFunction = (text: string) => number;

/**
 * A `LengthFunction` that can also index one whole text and then measure any range of it without re-reading
 * it; splitters use `forText` when it is there. `forText(text)(start, end)` must equal `fn(text.slice(start, end))`.
 */
export interface RangeLengthFunction extends LengthFunction {
  forText(text: string): (start: number, end: number) => number;
}
