/**
 * The README's retrieval example: ingest a folder, retrieve with hybrid search (dense + BM25) under a filter,
 * and assemble a cited context for a generator. Run: npx tsx examples/retrieve.ts [store-folder] [docs-folder]
 */

import {
  assembleContext,
  chunkCollectionSchema,
  createDefaultEmbedder,
  ingest,
  Quiver,
  Retriever,
} from '../src/index.js';

const [storePath = '.quiver-example', docsPath = 'docs'] = process.argv.slice(2);

const db = await Quiver.open({ path: storePath });
const embedder = await createDefaultEmbedder();
const docs = await db.createCollection(
  'docs',
  chunkCollectionSchema({ dimension: embedder.dimension, modelId: embedder.modelId }),
  { ifNotExists: true },
);
await ingest({ collection: docs, embedder, paths: [docsPath] });

const retriever = new Retriever({ collection: docs, embedder });
const question = 'how do I match words in a text field?';
const chunks = await retriever.retrieve(question, {
  k: 4,
  filter: 'type == {type}',
  params: { type: 'markdown' },
  maxChunksPerDocument: 2,
});
for (const c of chunks) {
  const how = Object.entries(c.scores)
    .map(([method, score]) => `${method} ${score.toFixed(2)}`)
    .join(', ');
  console.log(`${c.score.toFixed(3)} ${c.source} #${c.chunkIndex} (${how})`);
}

const context = await assembleContext(docs, chunks, { maxTokens: 1500, neighbours: 1 }, (t) => embedder.countTokens(t));
console.log(`context: ${context.passages.length} passages, ${context.tokens} tokens`);
console.log(context.text.split('\n')[0]);

await embedder.dispose();
await db.close();
