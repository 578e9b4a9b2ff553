/**
 * The `Embedder` contract: what retrieval needs from any text-embedding model, local or remote. Documents
 * and queries are embedded separately because many models (e5, bge) want a different prefix for each.
 * The store never sees an Embedder; it takes the vectors this produces.
 */

export interface Embedder {
  /** Length of every vector this embedder returns. */
  readonly dimension: number;
  /** A stable name for the model, recorded next to the vectors it produced. */
  readonly modelId: string;
  /** The longest input, in the model's tokens, that is embedded whole; longer input is truncated. */
  readonly maxTokens: number;
  /** One vector per text, in input order. An empty array gives an empty array. */
  embedDocuments(texts: string[]): Promise<Float32Array[]>;
  embedQuery(text: string): Promise<Float32Array>;
  /**
   * The number of model tokens `text` becomes, without special tokens ([CLS], [SEP], BOS/EOS), so chunk sizes
   * can be given in tokens. Optional: remote embedders whose tokenizer is not available leave it out.
   */
  countTokens?(text: string): number;
  /** Releases the model or connections; the embedder must not be used afterwards. */
  dispose(): Promise<void>;
}
