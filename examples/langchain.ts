/**
 * The README's LangChain example: Quiver as a LangChain vector store and retriever inside an LCEL chain. The
 * chat model here is LangChain's FakeChatModel, which answers with the prompt it was given, so the example
 * runs offline and shows exactly what reached the model; put your own chat model in its place.
 * Run: npx tsx examples/langchain.ts [store-folder]
 */

import { Document, type DocumentInterface } from '@langchain/core/documents';
import { StringOutputParser } from '@langchain/core/output_parsers';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { FakeChatModel } from '@langchain/core/utils/testing';
import { createDefaultEmbedder, Quiver } from '../src/index.js';
import { QuiverEmbeddings, QuiverVectorStore } from '../src/langchain/index.js';

const [storePath = '.quiver-example'] = process.argv.slice(2);

const db = await Quiver.open({ path: storePath });
const embedder = await createDefaultEmbedder();
const store = await QuiverVectorStore.create(new QuiverEmbeddings(embedder), { db, collectionName: 'notes' });
await store.addDocuments(
  [
    new Document({ pageContent: 'Quiver runs inside your process and keeps its data in one folder.', metadata: { topic: 'store' } }),
    new Document({ pageContent: 'Filters use a Milvus-style expression language.', metadata: { topic: 'filters' } }),
    new Document({ pageContent: 'Hybrid search fuses BM25 with dense vectors.', metadata: { topic: 'search' } }),
  ],
  { ids: ['store', 'filters', 'search'] }, // stable ids: a re-run overwrites instead of adding copies
);

const hits = await store.similaritySearchWithScore('where is the data kept?', 1, 'topic != "filters"');
console.log(`top hit: ${hits[0]![0].id} (${hits[0]![1].toFixed(3)})`);

const prompt = ChatPromptTemplate.fromTemplate('Answer from the context.\nContext:\n{context}\nQuestion: {question}');
const formatDocs = (docs: DocumentInterface[]) => ({
  context: docs.map((d, i) => `[${i + 1}] ${d.pageContent}`).join('\n'),
  question: 'How does Quiver search?',
});
const chain = store
  .asRetriever({ k: 2, filter: 'topic in ["search", "store"]' })
  .pipe(formatDocs)
  .pipe(prompt)
  .pipe(new FakeChatModel({}))
  .pipe(new StringOutputParser());
console.log(await chain.invoke('How does Quiver search?'));

await embedder.dispose();
await db.close();
