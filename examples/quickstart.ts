/**
 * The README's library example: an embedded store in a folder, a collection with a schema, writes, a
 * filtered vector search, a query, and a reopen that finds everything again.
 * Run: npm run example
 */

import { rmSync } from 'node:fs';
import { Quiver, QuiverError } from '../src/index.js';

const path = process.argv[2] ?? '.quiver-example';
rmSync(path, { recursive: true, force: true });

const db = await Quiver.open({ path });
const articles = await db.createCollection('articles', {
  fields: [
    { name: 'id', type: 'string', primary: true },
    { name: 'embedding', type: 'vector', dim: 3, metric: 'cosine' },
    { name: 'year', type: 'int' },
    { name: 'tags', type: 'string[]' },
  ],
  dynamic: true, // keys the schema does not name are kept and filterable
});

await articles.insert([
  { id: 'hnsw', embedding: [0.9, 0.1, 0.0], year: 2016, tags: ['ann', 'graph'], author: 'Malkov' },
  { id: 'ivf', embedding: [0.8, 0.3, 0.1], year: 2011, tags: ['ann', 'quantization'] },
  { id: 'bm25', embedding: [0.1, 0.9, 0.2], year: 1994, tags: ['lexical'] },
]);

const { hits } = await articles.search({
  vector: [1, 0.2, 0],
  k: 2,
  filter: 'array_contains(tags, "ann") and year >= {since}',
  params: { since: 2010 },
});
for (const hit of hits) console.log(`${hit.id}  score=${hit.score.toFixed(3)}  ${JSON.stringify(hit.fields)}`);

console.log(await articles.query({ filter: 'author like "Mal%"', outputFields: ['year'] }));

try {
  await articles.search({ vector: [1, 0, 0], filter: 'year >> 2000' });
} catch (err) {
  if (err instanceof QuiverError) console.log(`${err.code}: ${err.message}`);
}

await db.close();
const again = await Quiver.open({ path });
console.log(`after reopen: ${await (await again.collection('articles')).count()} rows`);
await again.close();
rmSync(path, { recursive: true, force: true });
