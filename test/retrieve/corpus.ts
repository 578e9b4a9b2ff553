/**
 * A small real corpus for the retrieval tests: plain-text files on distinct topics, ingested with the real
 * default embedder into a real store folder, in short overlapping chunks so that documents span several
 * chunks. `copy.txt` repeats `cats.txt` word for word (duplicate content is what MMR and context assembly
 * must cope with), `lighthouse.txt` is one paragraph cut into overlapping chunks, and `parts.txt` holds a rare part number that only BM25 can match exactly.
 */

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TransformersEmbedder } from '../../src/embed/transformers-embedder.js';
import { chunkCollectionSchema } from '../../src/ingest/chunk-rows.js';
import { ingest } from '../../src/ingest/ingest.js';
import type { Collection } from '../../src/store/collection/collection.js';
import { Quiver } from '../../src/store/quiver.js';

const CATS = [
  'Cats spend a large part of every day grooming their fur with their rough tongues. Grooming keeps the coat clean and spreads natural oils.',
  'A cat uses its whiskers to judge whether it can fit through a gap. The whiskers are as wide as the cat’s body and sense the slightest draft.',
  'Kittens learn to hunt by playing with their littermates. Pouncing on toys and chasing string trains the reflexes an adult cat hunts with.',
  'Domestic cats sleep between twelve and sixteen hours a day, mostly in short naps, and are most active at dawn and at dusk.',
].join('\n\n');

export const FILES: Record<string, string> = {
  'cats.txt': CATS,
  'copy.txt': CATS,
  'dogs.txt': [
    'Dogs were the first animals people domesticated, long before farming began. Wolves that lived near camps slowly became dogs.',
    'A dog’s sense of smell is tens of thousands of times keener than ours; trained dogs find lost people and detect illness.',
    'Herding breeds such as collies need hours of exercise each day and grow restless and destructive without work to do.',
  ].join('\n\n'),
  'sailing.txt': [
    'Sailing upwind means tacking: the boat zigzags across the wind because no sail can drive a boat straight into it.',
    'Reefing the mainsail reduces its area when the wind rises, keeping the boat upright and the crew in control.',
    'A keel or centreboard resists sideways drift so that the force of the wind on the sails becomes forward motion.',
  ].join('\n\n'),
  // One paragraph of sentences: the splitter cuts it at sentence ends, and each chunk repeats the previous one's tail.
  'lighthouse.txt': [
    'The lighthouse was built in 1858.',
    'Its walls are island granite.',
    'The lamp first burned whale oil.',
    'Kerosene replaced the oil later.',
    'Electric light came in 1921.',
    'Keepers climbed 112 steps nightly.',
    'A fog bell hung by the tower.',
    'It rang twice a minute in fog.',
    'The last keeper left in 1964.',
    'The light was then automated.',
    'The cottage was boarded up.',
    'Today the tower is a museum.',
    'Visitors climb it on weekends.',
    'The view reaches the mainland.',
    'Seals rest on the rocks below.',
    'Puffins nest on the cliffs in May.',
    'A ferry runs twice a day in summer.',
    'The crossing takes forty minutes.',
    'Tickets are sold at the harbour.',
  ].join(' '),
  'parts.txt': [
    'Replacement hinge XQ4471 fits every cabinet door in the 2019 range and ships with four mounting screws.',
    'Order the gasket kit separately; the hinge box does not include seals or the alignment template.',
  ].join('\n\n'),
};

export interface Corpus {
  dir: string;
  src: string;
  db: Quiver;
  collection: Collection;
  /** The doc_id of a corpus file, e.g. docId('cats.txt'). */
  docId: (file: string) => string;
  close: () => Promise<void>;
}

/** Ingests FILES into a fresh store: recursive splitter, 160-character chunks with 40 characters of overlap. */
export async function ingestCorpus(embedder: TransformersEmbedder): Promise<Corpus> {
  const dir = await mkdtemp(join(tmpdir(), 'quiver-retrieve-'));
  const src = join(dir, 'src');
  await mkdir(src, { recursive: true });
  for (const [name, text] of Object.entries(FILES)) await writeFile(join(src, name), text);
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
    dir,
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
