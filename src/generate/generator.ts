/**
 * The Generator contract: turn a question and numbered sources into an answer that cites them as [n]. Every
 * implementation (an OpenAI-compatible chat endpoint, the offline extractive generator, a local GGUF model)
 * takes the same request and yields the same events, so the ask pipeline, the CLI and the HTTP server never
 * know which one runs.
 */

/** One numbered source, as the prompt shows it and as citations refer to it. */
export interface Source {
  /** Its citation number, from 1. */
  n: number;
  /** The primary key of the (first) chunk the source came from. */
  id: string;
  docId: string;
  source: string;
  title: string;
  /** The page, for PDF sources. */
  page?: number | null;
  /** Character offsets of `text` in its document, when known. */
  start?: number;
  end?: number;
  /** The retrieval score that ranked it. */
  score?: number;
  /** The heading path it sits under, for structured documents (Markdown, HTML). */
  headings?: string[];
  text: string;
}

export interface GenerateRequest {
  question: string;
  sources: Source[];
  /** Stop generating; the generator rejects with QuiverError ABORTED and cancels any upstream request. */
  signal?: AbortSignal;
  /** Most tokens to generate. Default: the generator's own. */
  maxTokens?: number;
  /** Sampling temperature, for generators that sample. Default 0. */
  temperature?: number;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

/**
 * Text an answer takes word for word from a source, for generators that know it (the extractive one): which
 * source, and where in that source's `text` (`source.text.slice(start, end) === text`).
 */
export interface Quote {
  n: number;
  start: number;
  end: number;
  text: string;
}

/** What `stream` yields: answer text as it comes, then exactly one `done`. */
export type GenerateEvent =
  | { type: 'token'; text: string }
  | { type: 'done'; usage: Usage; finishReason: string; quotes?: Quote[] };

export interface GenerateResult {
  /** The raw answer text, with [n] markers as the model wrote them. */
  text: string;
  usage: Usage;
  finishReason: string;
  /** What the answer quotes from its sources, in answer order, when the generator knows it. */
  quotes?: Quote[];
}

export interface Generator {
  /** A stable name for the model or method, e.g. "extractive" or "openai:gpt-4o-mini". */
  readonly modelId: string;
  /** The whole answer at once. */
  generate(request: GenerateRequest): Promise<GenerateResult>;
  /** The answer as it is produced. Ends with one `done` event; errors reject the iteration. */
  stream(request: GenerateRequest): AsyncIterable<GenerateEvent>;
}
