/**
 * Ingestion benchmark: the whole pipeline (load → chunk → embed → write) over the BEIR SciFact corpus, against
 * raw Transformers.js embedding of exactly the same chunk texts with the same model, batch size and pooling, in
 * the same run. The ratio end-to-end chunks/s ÷ raw chunks/s says what everything besides the model costs.
 * Raw embedding is timed before and after the ingest and averaged, to even out drift on a noisy machine.
 *
 * Run: npm run bench:ingest     (BENCH_CORPUS=path/to/corpus.jsonl to use another BEIR corpus;
 *                               BENCH_DOCS=1000 for a quick run on the first 1,000 documents)
 * Writes bench/results/ingest.json.
 */

import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { createDefaultEmbedder } from '../src/embed/default-embedder.js';
import { buildDefaultModel } from '../src/embed/default-model/build.js';
import { offlineModel } from '../src/embed/default-model/recipe.js';
import { chunkDocument } from '../src/ingest/chunk/chunk-document.js';
import { tokenLength } from '../src/ingest/chunk/token-length.js';
import { chunkCollectionSchema } from '../src/ingest/chunk-rows.js';
import { ingest } from '../src/ingest/ingest.js';
import { BEIR_MAPPING } from '../src/ingest/loaders/json.js';
import { loadFile } from '../src/ingest/loaders/registry.js';
import { loadPipeline } from '../src/pipeline/load-pipeline.js';
import { Quiver } from '../src/store/quiver.js';
import { printTable } from './lib/measure.js';

const CORPUS = resolve(process.env.BENCH_CORPUS ?? '../shared/data/scifact/corpus.jsonl');
const LIMIT = process.env.BENCH_DOCS === undefined ? undefined : Number(process.env.BENCH_DOCS);
const EMBED_BATCH = 16;

async function prepareCorpus(dir: string): Promise<string> {
  if (LIMIT === undefined) return CORPUS;
  const lines = (await readFile(CORPUS, 'utf8')).split('\n').filter(Boolean).slice(0, LIMIT);
  const file = join(dir, 'corpus.jsonl');
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

async function rawEmbed(modelDir: string, texts: string[]): Promise<number> {
  const { env, pipeline } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  const extractor = await pipeline('feature-extraction', modelDir, { dtype: 'fp32', local_files_only: true });
  const pooling = offlineModel().pooling; // the default model's own: 'none' when the graph pools
  await extractor(texts.slice(0, EMBED_BATCH), { pooling, normalize: true });
  const t0 = performance.now();
  for (let i = 0; i < texts.length; i += EMBED_BATCH) {
    await extractor(texts.slice(i, i + EMBED_BATCH), { pooling, normalize: true });
  }
  const secs = (performance.now() - t0) / 1000;
  await extractor.dispose();
  return texts.length / secs;
}

async function main(): Promise<void> {
  await stat(CORPUS).catch(() => {
    throw new Error(`corpus not found: ${CORPUS} (set BENCH_CORPUS)`);
  });
  const work = await mkdtemp(join(tmpdir(), 'quiver-bench-ingest-'));
  try {
    const corpus = await prepareCorpus(work);
    const config = await loadPipeline('pipelines/beir.yaml');
    const model = await buildDefaultModel();
    const embedder = await createDefaultEmbedder({ batchSize: EMBED_BATCH });

    // The exact chunk texts the pipeline will embed, for the raw baseline (not timed).
    const length = tokenLength((t) => embedder.countTokens!(t));
    const file = { absPath: corpus, relPath: basename(corpus), mtime: 0, size: (await stat(corpus)).size };
    const docs = await loadFile(file, { json: BEIR_MAPPING });
    const texts = docs.flatMap((d) => chunkDocument(d, config.chunker, length).map((c) => c.text));
    console.log(`Ingest benchmark: ${docs.length} docs → ${texts.length} chunks from ${CORPUS}`);

    const rawBefore = await rawEmbed(model.dir, texts);
    const storeDir = join(work, 'store');
    await mkdir(storeDir);
    const db = await Quiver.open({ path: storeDir });
    const collection = await db.createCollection(
      'beir',
      chunkCollectionSchema({ dimension: embedder.dimension, modelId: embedder.modelId }),
    );
    const rssBase = process.memoryUsage().rss;
    let peakRss = rssBase;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 50);
    const summary = await ingest({
      collection,
      embedder,
      paths: [corpus],
      load: { json: BEIR_MAPPING },
      chunker: config.chunker,
      batchSize: config.ingest.batchSize,
    });
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const rows = await collection.count();
    await db.close();
    await embedder.dispose();
    const rawAfter = await rawEmbed(model.dir, texts);

    if (summary.chunks.written !== texts.length || rows !== texts.length) {
      throw new Error(`pipeline wrote ${summary.chunks.written} chunks (${rows} rows), raw had ${texts.length}`);
    }
    const raw = (rawBefore + rawAfter) / 2;
    const chunksPerSec = summary.chunks.written / summary.seconds;
    const result = {
      corpus: basename(CORPUS),
      docs: summary.documents.written,
      chunks: summary.chunks.written,
      seconds: summary.seconds,
      docsPerSec: summary.documents.written / summary.seconds,
      chunksPerSec,
      rawEmbedChunksPerSec: raw,
      rawEmbedRuns: [rawBefore, rawAfter],
      ratio: chunksPerSec / raw,
      peakRssMB: Math.round(peakRss / 2 ** 20),
      model: embedder.modelId,
      chunker: config.chunker,
      batchSize: config.ingest.batchSize,
    };
    printTable(
      'End-to-end ingest vs raw Transformers.js embedding (same chunks, same model)',
      ['docs', 'chunks', 'seconds', 'docs/s', 'chunks/s', 'raw chunks/s', 'ratio', 'peak RSS MB'],
      [
        [
          result.docs,
          result.chunks,
          result.seconds.toFixed(1),
          result.docsPerSec.toFixed(0),
          chunksPerSec.toFixed(0),
          `${raw.toFixed(0)} (${rawBefore.toFixed(0)}, ${rawAfter.toFixed(0)})`,
          result.ratio.toFixed(2),
          result.peakRssMB,
        ],
      ],
    );
    await mkdir('bench/results', { recursive: true });
    await writeFile('bench/results/ingest.json', `${JSON.stringify(result, null, 2)}\n`);
    console.log('wrote bench/results/ingest.json');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
