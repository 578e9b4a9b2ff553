/**
 * Counting tokens word by word, for tokenizers whose tokens never span a whitespace-to-word boundary: the
 * word scan (`forEachWord`) and its cache (`WordCounts`). Used by the chunker's `tokenLength` and by
 * `TransformersEmbedder.countTokens` (`wordSumCounter`).
 *
 * The cache is an open-addressing hash table from words to their token counts, looked up
 * by offsets into the text being scanned. The caller hashes each word while it scans for the word's end, and
 * a hit compares characters in place, so the common case allocates nothing (a `Map<string, number>` would
 * slice and hash every word again, about 1.5x slower). Keys are copied on insert so that the cache
 * never keeps a whole document alive through a slice of it.
 */

/** FNV-1a over UTF-16 code units: start from `HASH_SEED`, then `hash = hashStep(hash, code)` per unit. */
export const HASH_SEED = 0x811c9dc5 | 0;

export function hashStep(hash: number, code: number): number {
  return Math.imul(hash ^ code, 16777619);
}

/** Whether the UTF-16 code unit `c` matches `/\s/`. */
export function isWhitespace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/**
 * Calls `visit(start, end, hash)` for each word of `text.slice(from, to)` in order. A word is a run of
 * whitespace plus the run of non-whitespace after it, so " foo" and "\n\nfoo" keep the whitespace that a
 * byte-level BPE folds into, or splits from, the word's first token.
 */
export function forEachWord(
  text: string,
  from: number,
  to: number,
  visit: (start: number, end: number, hash: number) => void,
): void {
  for (let i = from; i < to; ) {
    let j = i;
    let h = HASH_SEED;
    for (; j < to; j++) {
      const c = text.charCodeAt(j);
      if (!isWhitespace(c)) break;
      h = hashStep(h, c);
    }
    for (; j < to; j++) {
      const c = text.charCodeAt(j);
      if (isWhitespace(c)) break;
      h = hashStep(h, c);
    }
    visit(i, j, h);
    i = j;
  }
}

/** The sum of `words`' counts over the words of `text.slice(from, to)`. */
export function sumWordCounts(words: WordCounts, text: string, from: number, to: number): number {
  let total = 0;
  forEachWord(text, from, to, (start, end, hash) => {
    total += words.get(text, start, end, hash);
  });
  return total;
}

const INITIAL_CAPACITY = 1024;

export class WordCounts {
  readonly #counter: (text: string) => number;
  readonly #maxEntries: number;
  readonly #maxWordLength: number;
  // hashes[slot] === 0 marks an empty slot, so stored hashes have their low bit set.
  #hashes = new Int32Array(INITIAL_CAPACITY);
  #keys: string[] = new Array<string>(INITIAL_CAPACITY);
  #counts = new Float64Array(INITIAL_CAPACITY);
  #size = 0;

  /**
   * @param maxEntries when the table holds this many words it starts over (a simple bound on memory).
   * @param maxWordLength longer words are counted every time instead of cached (they are rare, and large).
   */
  constructor(counter: (text: string) => number, maxEntries: number, maxWordLength: number) {
    this.#counter = counter;
    this.#maxEntries = maxEntries;
    this.#maxWordLength = maxWordLength;
  }

  get size(): number {
    return this.#size;
  }

  /** The count of `text.slice(start, end)`, whose hash (from `HASH_SEED` via `hashStep`) is `hash`. */
  get(text: string, start: number, end: number, hash: number): number {
    const length = end - start;
    if (length > this.#maxWordLength) return this.#counter(text.slice(start, end));
    const h = hash | 1;
    const mask = this.#hashes.length - 1;
    let slot = h & mask;
    for (let stored = this.#hashes[slot]!; stored !== 0; stored = this.#hashes[slot]!) {
      if (stored === h) {
        const key = this.#keys[slot]!;
        if (key.length === length && sameChars(key, text, start)) return this.#counts[slot]!;
      }
      slot = (slot + 1) & mask;
    }
    // A fresh string: joining the characters copies them, where slice() might share the document's memory.
    const key = Array.from(text.slice(start, end)).join('');
    const count = this.#counter(key);
    if (this.#size >= this.#maxEntries) {
      this.#reset(INITIAL_CAPACITY);
      return count;
    }
    this.#hashes[slot] = h;
    this.#keys[slot] = key;
    this.#counts[slot] = count;
    this.#size++;
    if (this.#size * 2 > mask) this.#grow();
    return count;
  }

  #reset(capacity: number): void {
    this.#hashes = new Int32Array(capacity);
    this.#keys = new Array<string>(capacity);
    this.#counts = new Float64Array(capacity);
    this.#size = 0;
  }

  #grow(): void {
    const hashes = this.#hashes;
    const keys = this.#keys;
    const counts = this.#counts;
    this.#reset(hashes.length * 2);
    const mask = this.#hashes.length - 1;
    for (let i = 0; i < hashes.length; i++) {
      const h = hashes[i]!;
      if (h === 0) continue;
      let slot = h & mask;
      while (this.#hashes[slot] !== 0) slot = (slot + 1) & mask;
      this.#hashes[slot] = h;
      this.#keys[slot] = keys[i]!;
      this.#counts[slot] = counts[i]!;
      this.#size++;
    }
  }
}

function sameChars(key: string, text: string, start: number): boolean {
  for (let q = 0; q < key.length; q++) if (key.charCodeAt(q) !== text.charCodeAt(start + q)) return false;
  return true;
}
