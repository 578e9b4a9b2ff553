/**
 * The README's ask example: ingest a folder, then answer a question with the offline extractive generator,
 * streaming the answer and printing the cited sources with their offsets.
 * Run: npx tsx examples/ask.ts [store-folder] [docs-folder]
 */

import {
  askStream,
  chunkCollectionSchema,
  createDefaultEmbedder,
  ExtractiveGenerator,
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

const parts = {
  retriever: new Retriever({ collection: docs, embedder }),
  collection: docs,
  generator: new ExtractiveGenerator(),
  countTokens: (text: string) => embedder.countTokens(text),
};
let streamed = '';
for await (const event of askStream(parts, 'how do templated filter values work?', { k: 5, neighbours: 1 })) {
  if (event.type === 'token') streamed += event.text;
  if (event.type === 'citations') {
    console.log(streamed);
    for (const c of event.citations) {
      for (const q of c.quotes ?? []) console.log(`[${c.n}] ${c.source} [${q.start}–${q.end}] ${JSON.stringify(q.text)}`);
    }
  }
  if (event.type === 'done') console.log(`retrieved in ${event.answer.timings.retrieveMs.toFixed(0)} ms`);
}

await embedder.dispose();
await db.close();
