/**
 * The two datasets of the search benchmark, each loaded into its own collection of the same shape (string id,
 * a cosine vector field with the default HNSW index, a full-text string field):
 * - SciFact: BEIR's 5,183 abstracts (title + " " + text) inserted directly, one row per document, and the 300
 *   test claims as queries. No chunking: this measures search cost, and recall is against exact search over
 *   the same rows, so rows = documents keeps it simple (the default model reads up to 8,192 tokens, so no
 *   abstract is truncated);
 * - synthetic: Zipfian text chunks with seeded clustered vectors, and queries made from a chunk (a few of its
 *   words, and a vector near its own).
 * Both bulk-load: the growing segment holds every row and one flush seals it, so each dataset is one sealed
 * segment with one HNSW graph and one BM25 index, as in bench/ann.ts.
 */

import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDefaultEmbedder } from '../../src/embed/default-embedder.js';
import { loadBeirEvalSet } from '../../src/retrieve/eval/beir.js';
import type { Collection } from '../../src/store/collection/collection.js';
import { Quiver } from '../../src/store/quiver.js';
import { createAnalyzer } from '../../src/store/text/index.js';
import { clusteredVectors, mulberry32 } from './clustered.js';
import { seconds } from './measure.js';
import { nearbyVector, queryFromChunk, syntheticChunks, zipfVocabulary } from './synthetic-text.js';

export const VECTOR_FIELD = 'embedding';
export const TEXT_FIELD = 'text';
const INSERT_BATCH = 2000;

export interface BenchQuery {
  text: string;
  vector: Float32Array;
}

export interface LoadedDataset {
  name: string;
  rows: number;
  dim: number;
  collection: Collection;
  queries: BenchQuery[];
  /** Seconds per build step, and what the data looks like to BM25. */
  build: Record<string, number>;
  text: TextShape;
  close: () => Promise<void>;
}

export interface TextShape {
  /** Analyzed terms per row, on average. */
  termsPerRow: number;
  /** Distinct analyzed terms over all rows. */
  distinctTerms: number;
  /** Distinct analyzed terms per query, on average. */
  termsPerQuery: number;
  /** Postings a query's terms hold together (the rows BM25 scores, counted with repeats), on average. */
  postingsPerQuery: number;
}

/** Document frequencies under the default analyzer, to describe the posting lists BM25 will walk. */
function textShape(texts: readonly string[], queries: readonly BenchQuery[]): TextShape {
  const analyzer = createAnalyzer();
  const df = new Map<string, number>();
  let terms = 0;
  for (const t of texts) {
    const analyzed = analyzer.analyze(t);
    terms += analyzed.length;
    for (const term of new Set(analyzed)) df.set(term, (df.get(term) ?? 0) + 1);
  }
  let queryTerms = 0;
  let postings = 0;
  for (const q of queries) {
    const distinct = new Set(analyzer.analyze(q.text));
    queryTerms += distinct.size;
    for (const term of distinct) postings += df.get(term) ?? 0;
  }
  return {
    termsPerRow: terms / texts.length,
    distinctTerms: df.size,
    termsPerQuery: queryTerms / queries.length,
    postingsPerQuery: postings / queries.length,
  };
}

/** Creates the collection in `folder`, inserts every row, and flushes (seal: HNSW + BM25 + segment file). */
async function load(
  folder: string,
  dim: number,
  ids: readonly string[],
  vectors: (i: number) => Float32Array,
  texts: readonly string[],
): Promise<{ db: Quiver; collection: Collection; insertSeconds: number; flushSeconds: number }> {
  const db = await Quiver.open({ path: folder, collection: { growingRows: ids.length + 1 } });
  const collection = await db.createCollection('bench', {
    fields: [
      { name: 'id', type: 'string', primary: true },
      { name: VECTOR_FIELD, type: 'vector', dim, metric: 'cosine' },
      { name: TEXT_FIELD, type: 'string', fullText: true },
    ],
  });
  let t0 = process.hrtime.bigint();
  for (let start = 0; start < ids.length; start += INSERT_BATCH) {
    const rows = [];
    for (let i = start; i < Math.min(ids.length, start + INSERT_BATCH); i++) {
      rows.push({ id: ids[i]!, [VECTOR_FIELD]: vectors(i), [TEXT_FIELD]: texts[i]! });
    }
    await collection.insert(rows);
  }
  const insertSeconds = seconds(t0);
  t0 = process.hrtime.bigint();
  await collection.flush();
  return { db, collection, insertSeconds, flushSeconds: seconds(t0) };
}

export interface SciFactOptions {
  /** BEIR folder with corpus.jsonl, queries.jsonl and qrels/test.tsv. */
  folder: string;
  /** Use only the first `maxRows` documents. */
  maxRows: number;
  maxQueries: number;
  storeFolder: string;
}

export async function loadSciFact(o: SciFactOptions): Promise<LoadedDataset> {
  const lines = (await readFile(join(o.folder, 'corpus.jsonl'), 'utf8')).split('\n').filter(Boolean);
  const docs = lines
    .slice(0, o.maxRows)
    .map((line) => JSON.parse(line) as { _id: string; title: string; text: string });
  const texts = docs.map((d) => `${d.title} ${d.text}`);
  const evalSet = await loadBeirEvalSet(o.folder, 'test');
  const queryTexts = evalSet.queries.slice(0, o.maxQueries).map((q) => q.text);

  // The offline default model, from the cache the tests build (QUIVER_MODEL_DIR wins, as for the CLI).
  const embedder = await createDefaultEmbedder({
    cacheDir: process.env.QUIVER_MODEL_DIR ?? join(tmpdir(), 'quiver-test-models'),
  });
  let t0 = process.hrtime.bigint();
  const vectors = await embedder.embedDocuments(texts);
  const embedSeconds = seconds(t0);
  t0 = process.hrtime.bigint();
  const queries: BenchQuery[] = [];
  for (const text of queryTexts) queries.push({ text, vector: await embedder.embedQuery(text) });
  const queryEmbedMs = (seconds(t0) * 1000) / queries.length;
  const dim = embedder.dimension;
  // Disposed before any search is timed, so no ONNX Runtime thread pool runs beside them.
  await embedder.dispose();

  const { db, collection, insertSeconds, flushSeconds } = await load(
    o.storeFolder,
    dim,
    docs.map((d) => d._id),
    (i) => vectors[i]!,
    texts,
  );
  return {
    name: 'scifact',
    rows: docs.length,
    dim,
    collection,
    queries,
    build: { embedSeconds, embedDocsPerSec: docs.length / embedSeconds, queryEmbedMs, insertSeconds, flushSeconds },
    text: textShape(texts, queries),
    close: () => db.close(),
  };
}

export interface SyntheticOptions {
  rows: number;
  dim: number;
  queries: number;
  /** Distinct words (≈ distinct terms). */
  vocabulary: number;
  /** Words per chunk are uniform in [minWords, maxWords]. */
  minWords: number;
  maxWords: number;
  /** Words per query, taken from one chunk. */
  queryWords: number;
  seed: number;
  storeFolder: string;
}

export async function loadSynthetic(o: SyntheticOptions): Promise<LoadedDataset> {
  const t0 = process.hrtime.bigint();
  const r = mulberry32(o.seed);
  const vocab = zipfVocabulary({ size: o.vocabulary, exponent: 1 }, r);
  const chunks = syntheticChunks(vocab, o.rows, o.minWords, o.maxWords, r);
  // σ 2 is the hard, overlapping-clusters setting of bench/ann.ts.
  const data = clusteredVectors({
    n: o.rows,
    dim: o.dim,
    clusters: Math.max(10, Math.round(o.rows / 1000)),
    sigma: 2,
    seed: o.seed + 1,
  });
  const row = (i: number) => data.subarray(i * o.dim, (i + 1) * o.dim);
  // Query noise 0.25 per coordinate, half the clusters' own spread: the source chunk is usually, not always,
  // the nearest row.
  const queries: BenchQuery[] = [];
  for (let i = 0; i < o.queries; i++) {
    const source = Math.floor(r() * o.rows);
    queries.push({
      text: queryFromChunk(vocab, chunks.ranks[source]!, o.queryWords, r),
      vector: nearbyVector(row(source), 0.25, r),
    });
  }
  const generateSeconds = seconds(t0);
  const ids = Array.from({ length: o.rows }, (_, i) => `chunk-${i}`);
  const { db, collection, insertSeconds, flushSeconds } = await load(o.storeFolder, o.dim, ids, row, chunks.texts);
  return {
    name: 'synthetic',
    rows: o.rows,
    dim: o.dim,
    collection,
    queries,
    build: { generateSeconds, insertSeconds, flushSeconds },
    text: textShape(chunks.texts, queries),
    close: () => db.close(),
  };
}
