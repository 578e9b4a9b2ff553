/**
 * A small real corpus for the ask tests: plain-text files whose sentences answer known questions, and a two-page
 * PDF, ingested with the real default embedder into a real store in short overlapping chunks, so documents span
 * several chunks and citations can be checked against the files' own text.
 */

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TransformersEmbedder } from '../../src/embed/transformers-embedder.js';
import { chunkCollectionSchema } from '../../src/ingest/chunk-rows.js';
import { ingest } from '../../src/ingest/ingest.js';
import type { Collection } from '../../src/store/collection/collection.js';
import { Quiver } from '../../src/store/quiver.js';
import { buildPdf } from '../ingest/loaders/pdf-fixtures.js';

export const FILES: Record<string, string> = {
  'tides.txt': [
    'Tides are caused mainly by the gravitational pull of the Moon on the oceans. The Sun adds a smaller pull.',
    'Spring tides happen at new and full moon, when the Sun and the Moon line up and their pulls add together.',
    'Most coasts see two high tides and two low tides every lunar day of about twenty-four hours and fifty minutes.',
  ].join('\n\n'),
  'bread.txt': [
    'Sourdough bread rises because wild yeast ferments the sugars in the dough and releases carbon dioxide.',
    'Lactic acid bacteria in the starter give sourdough its sour taste. A starter must be fed flour and water daily.',
  ].join('\n\n'),
  // One paragraph of short sentences: its chunks overlap, so neighbouring chunks merge into an exact slice.
  'volcano.txt': [
    'Mount Erebus is in Antarctica.',
    'It is an active volcano.',
    'Its crater holds a lava lake.',
    'The lava lake is rarely still.',
    'It has persisted since 1972.',
    'Scientists camp there in summer.',
    'They measure volcanic gases.',
    'Ice towers form around vents.',
    'The name comes from a ship.',
    'HMS Erebus sailed there in 1841.',
  ].join(' '),
};

/** The two pages of `atlas.pdf`: the answer to the glacier question is on page 2. */
export const PDF_PAGES = [
  [
    'The atlas opens with maps of the polar regions and their coastlines.',
    'Each map shows shipping routes, research stations and the edge of the sea ice in winter.',
  ],
  [
    'Greenland glaciers lose about two hundred and seventy billion tonnes of ice every year.',
    'The meltwater raises the level of the sea around the world.',
  ],
];

export interface AskCorpus {
  src: string;
  db: Quiver;
  collection: Collection;
  /** The doc_id of a corpus file, e.g. docId('tides.txt'). */
  docId: (file: string) => string;
  close: () => Promise<void>;
}

export async function ingestAskCorpus(embedder: TransformersEmbedder): Promise<AskCorpus> {
  const dir = await mkdtemp(join(tmpdir(), 'quiver-ask-'));
  const src = join(dir, 'src');
  await mkdir(src, { recursive: true });
  for (const [name, text] of Object.entries(FILES)) await writeFile(join(src, name), text);
  await writeFile(join(src, 'atlas.pdf'), buildPdf({ pages: PDF_PAGES }));
  const db = await Quiver.open({ path: join(dir, 'store') });
  const collection = await db.createCollection(
    'chunks',
    chunkCollectionSchema({ dimension: embedder.dimension, modelId: embedder.modelId }),
  );
  await ingest({
    collection,
    embedder,
    paths: [src],
    chunker: { splitter: 'recursive', chunkSize: 160, chunkOverlap: 40, unit: 'chars' },
  });
  return {
    src,
    db,
    collection,
    docId: (file) => `${src}/${file}`,
    close: async () => {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
