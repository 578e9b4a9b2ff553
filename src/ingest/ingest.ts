/**
 * The ingestion pipeline: files → documents → chunks → vectors → rows, incremental and resumable.
 *
 * It runs in two passes. The scan loads every file, hashes its documents and compares them with the ledger
 * (what the collection already holds); a file that cannot be loaded fails the run here, before anything is
 * written, so bad input never leaves the collection half-changed. The write pass loads only the changed files
 * again, chunks them, embeds the chunks in batches and upserts them, with a bounded queue between chunking and
 * embedding (backpressure) and each batch's write overlapping the next batch's embedding. Stale chunks (the
 * tail of a document that shrank, records gone from a file, and with `prune` documents whose file is gone) are
 * deleted last. Chunk ids are deterministic, so re-running after a kill converges on exactly the chunk set of
 * an uninterrupted run.
 */

import { posix, resolve } from 'node:path';
import type { Embedder } from '../embed/embedder.js';
import { QuiverError } from '../errors.js';
import type { CollectionApi } from '../store/collection/collection-api.js';
import type { Row } from '../store/schema/types.js';
import { BoundedQueue } from './bounded-queue.js';
import type { Chunk, LengthFunction } from './chunk/chunk.js';
import { type ChunkerOptions, chunkDocument, DEFAULT_CHUNKER } from './chunk/chunk-document.js';
import { approxTokenLength, tokenLength } from './chunk/token-length.js';
import { chunkRow } from './chunk-rows.js';
import type { LoadedDocument } from './document.js';
import { Ledger } from './ledger.js';
import type { LoadOptions, SourceFile } from './loaders/loader.js';
import { loadFile } from './loaders/registry.js';
import { type WalkOptions, walkSources } from './loaders/walk.js';

export interface IngestOptions {
  collection: CollectionApi;
  /** The embedder, or a function that loads it: called only when there is something to embed. */
  embedder: Embedder | (() => Promise<Embedder>);
  /**
   * Files and folders to ingest. A document's `source` is the path as given joined with its path inside; give
   * `{ path, as }` to name it differently (an upload kept in a temporary folder, say, named by its file name).
   */
  paths: IngestPath[];
  /** Globs (against each file's source path) to take and to skip. Defaults: every supported type; no hidden files. */
  include?: string[];
  exclude?: string[];
  /** Real folders every file must lie in, symlinks resolved; anything outside is FORBIDDEN (see WalkOptions). */
  within?: readonly string[];
  load?: LoadOptions;
  chunker?: ChunkerOptions;
  /** Chunks per embedding call and per write. Default 128. */
  batchSize?: number;
  /** Delete the chunks of documents under `paths` whose file no longer exists. Default false. */
  prune?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: IngestProgress) => void;
}

/** A file or folder to ingest, and optionally the name its sources go by instead of its path. */
export type IngestPath = string | { path: string; as: string };

const pathOf = (p: IngestPath): string => (typeof p === 'string' ? p : p.path);
const nameOf = (p: IngestPath): string => (typeof p === 'string' ? p : p.as);

export interface IngestProgress {
  phase: 'scan' | 'write' | 'cleanup';
  files: { done: number; total: number };
  bytes: { done: number; total: number };
  chunks: number;
  seconds: number;
}

export interface IngestSummary {
  files: { seen: number; unchanged: number; changed: number };
  documents: { seen: number; unchanged: number; written: number; removed: number; empty: number };
  chunks: { written: number; deleted: number };
  /** Documents whose files are gone but were kept because `prune` was off. */
  orphaned: number;
  seconds: number;
}

interface PlannedFile {
  file: SourceFile;
  /** Ids of this file's documents that need writing. */
  changed: Set<string>;
}

interface Pending {
  doc: LoadedDocument;
  chunk: Chunk;
  count: number;
}

const QUEUE_BATCHES = 4;

/**
 * @example
 * const summary = await ingest({ collection, embedder, paths: ['docs/'] });
 * console.log(`${summary.chunks.written} chunks from ${summary.files.changed} changed files`);
 */
export async function ingest(options: IngestOptions): Promise<IngestSummary> {
  const started = performance.now();
  const { collection, signal } = options;
  const batchSize = options.batchSize ?? 128;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 4096) {
    throw new QuiverError('INVALID_ARGUMENT', 'batchSize must be an integer in [1, 4096]', { field: 'batchSize' });
  }
  const chunker = options.chunker ?? DEFAULT_CHUNKER;
  const elapsed = () => (performance.now() - started) / 1000;
  const report = (p: Omit<IngestProgress, 'seconds'>) => options.onProgress?.({ ...p, seconds: elapsed() });
  const checkAbort = () => {
    if (signal?.aborted) throw new QuiverError('CLOSED', 'ingest aborted');
  };

  const files = await findSources(options.paths, {
    include: options.include,
    exclude: options.exclude,
    within: options.within,
  });
  if (files.length === 0) {
    throw new QuiverError(
      'NOT_FOUND',
      `no files to ingest under ${options.paths.map(pathOf).join(', ')}; check the paths and the include/exclude globs`,
    );
  }
  const totalBytes = files.reduce((n, f) => n + f.size, 0);
  const ledger = await Ledger.read(collection);
  const summary: IngestSummary = {
    files: { seen: files.length, unchanged: 0, changed: 0 },
    documents: { seen: 0, unchanged: 0, written: 0, removed: 0, empty: 0 },
    chunks: { written: 0, deleted: 0 },
    orphaned: 0,
    seconds: 0,
  };

  // Pass 1: load and hash everything; any bad file stops the run before a single write.
  const plan: PlannedFile[] = [];
  const stale: string[] = [];
  const seenDocs = new Set<string>();
  const sources = new Set(files.map((f) => f.relPath));
  let scannedBytes = 0;
  for (const [i, file] of files.entries()) {
    checkAbort();
    const docs = await loadFile(file, options.load ?? {});
    const changed = new Set<string>();
    for (const doc of docs) {
      seenDocs.add(doc.id);
      summary.documents.seen++;
      if (ledger.isCurrent(doc.id, doc.hash)) summary.documents.unchanged++;
      else changed.add(doc.id);
    }
    // Documents this file used to hold but no longer does (records removed from a JSONL file, say).
    let removed = 0;
    for (const id of ledger.documentsOf(file.relPath)) {
      if (!seenDocs.has(id)) {
        stale.push(...ledger.staleChunkIds(id, 0));
        removed++;
      }
    }
    summary.documents.removed += removed;
    if (changed.size > 0 || removed > 0) {
      summary.files.changed++;
      if (changed.size > 0) plan.push({ file, changed });
    } else summary.files.unchanged++;
    scannedBytes += file.size;
    report({
      phase: 'scan',
      files: { done: i + 1, total: files.length },
      bytes: { done: scannedBytes, total: totalBytes },
      chunks: 0,
    });
  }
  for (const [id, source] of ledger.documents()) {
    if (sources.has(source) || seenDocs.has(id) || !underAny(source, options.paths)) continue;
    if (options.prune) {
      stale.push(...ledger.staleChunkIds(id, 0));
      summary.documents.removed++;
    } else summary.orphaned++;
  }

  // Pass 2: chunk, embed and write the changed documents.
  const embedder = plan.length === 0 ? undefined : await resolveEmbedder(options.embedder);
  const length = embedder ? lengthFor(embedder, chunker) : undefined;
  const planBytes = plan.reduce((n, p) => n + p.file.size, 0);
  const queue = new BoundedQueue<Pending[]>(QUEUE_BATCHES);
  let doneBytes = 0;
  let doneFiles = 0;
  const produce = async () => {
    let batch: Pending[] = [];
    try {
      for (const { file, changed } of plan) {
        checkAbort();
        for (const doc of await loadFile(file, options.load ?? {})) {
          if (!changed.has(doc.id)) continue;
          const chunks = chunkDocument(doc, chunker, length);
          stale.push(...ledger.staleChunkIds(doc.id, chunks.length));
          if (chunks.length === 0) {
            if (ledger.has(doc.id)) summary.documents.removed++;
            else summary.documents.empty++;
            continue;
          }
          summary.documents.written++;
          for (const chunk of chunks) {
            batch.push({ doc, chunk, count: chunks.length });
            if (batch.length === batchSize) {
              await queue.push(batch);
              batch = [];
            }
          }
        }
        doneBytes += file.size;
        doneFiles++;
      }
      if (batch.length > 0) await queue.push(batch);
      queue.close();
    } catch (err) {
      queue.fail(err);
    }
  };
  const consume = async () => {
    let writing: Promise<unknown> = Promise.resolve();
    try {
      for (let batch = await queue.pop(); batch; batch = await queue.pop()) {
        checkAbort();
        const vectors = await embedder!.embedDocuments(batch.map((p) => p.chunk.text));
        const rows: Row[] = batch.map((p, i) => chunkRow(p.doc, p.chunk, p.count, vectors[i]!));
        await writing;
        writing = collection.upsert(rows).then(() => {
          summary.chunks.written += rows.length;
          report({
            phase: 'write',
            files: { done: doneFiles, total: plan.length },
            bytes: { done: doneBytes, total: planBytes },
            chunks: summary.chunks.written,
          });
        });
      }
    } finally {
      // Never leave a write in flight behind an error: its outcome decides what was acknowledged.
      await writing;
    }
  };
  await Promise.all([
    produce(),
    consume().catch((err) => {
      queue.fail(err);
      throw err;
    }),
  ]);

  // Last: remove what the new state no longer has. Interrupted here, the next run sees mixed hashes and redoes it.
  checkAbort();
  for (let i = 0; i < stale.length; i += 4096) {
    report({
      phase: 'cleanup',
      files: { done: plan.length, total: plan.length },
      bytes: { done: planBytes, total: planBytes },
      chunks: summary.chunks.written,
    });
    const { deleted } = await collection.delete({ ids: stale.slice(i, i + 4096) });
    summary.chunks.deleted += deleted;
  }
  summary.seconds = elapsed();
  return summary;
}

function resolveEmbedder(embedder: IngestOptions['embedder']): Promise<Embedder> {
  return typeof embedder === 'function' ? embedder() : Promise.resolve(embedder);
}

function lengthFor(embedder: Embedder, chunker: ChunkerOptions): LengthFunction | undefined {
  if (chunker.unit !== 'tokens') return undefined;
  return embedder.countTokens ? tokenLength((t) => embedder.countTokens!(t)) : approxTokenLength;
}

/**
 * The files under `paths`, each named by the path as the user gave it joined with its path inside: ingesting
 * `docs/` yields `docs/guide.md`. Sources stay distinct across roots, read well in citations, and tell `prune`
 * which stored documents belong to the roots of this run. Globs still match the path inside each root.
 */
async function findSources(paths: IngestPath[], walk: WalkOptions): Promise<SourceFile[]> {
  const found = new Map<string, SourceFile>();
  for (const given of paths) {
    const path = pathOf(given);
    const root = normalizeRoot(nameOf(given));
    for (const file of await walkSources([path], walk)) {
      const direct = file.absPath === resolve(path);
      const relPath = direct ? root || file.relPath : root ? `${root}/${file.relPath}` : file.relPath;
      found.set(relPath, { ...file, relPath });
    }
  }
  return [...found.values()].sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
}

/** Whether a stored source path lies under one of the paths given to this run. */
function underAny(source: string, paths: IngestPath[]): boolean {
  return paths.some((p) => {
    const root = normalizeRoot(nameOf(p));
    return root === '' || source === root || source.startsWith(`${root}/`);
  });
}

function normalizeRoot(p: string): string {
  const n = posix.normalize(p.replace(/\\/g, '/'));
  return n === '.' || n === './' ? '' : n.replace(/\/+$/, '') || '/';
}
