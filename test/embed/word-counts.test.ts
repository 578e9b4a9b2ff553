/**
 * `WordCounts`, the hash table behind `tokenLength`: hits and misses by offsets into a text, colliding
 * hashes kept apart by comparing characters, growth past the initial capacity, the entry bound, and words
 * too long to cache.
 */

import { describe, expect, it } from 'vitest';
import { HASH_SEED, hashStep, WordCounts } from '../../src/embed/word-counts.js';

const hashOf = (s: string): number => {
  let h = HASH_SEED;
  for (let i = 0; i < s.length; i++) h = hashStep(h, s.charCodeAt(i));
  return h;
};

function counting(): { counter: (t: string) => number; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    counter: (t) => {
      calls.push(t);
      return t.length * 10;
    },
  };
}

describe('WordCounts', () => {
  it('counts a word once and then finds it by offsets into any text', () => {
    const { counter, calls } = counting();
    const words = new WordCounts(counter, 100, 64);
    expect(words.get('xx hello yy', 2, 8, hashOf(' hello'))).toBe(60);
    expect(words.get('say hello', 3, 9, hashOf(' hello'))).toBe(60);
    expect(calls).toEqual([' hello']);
    expect(words.size).toBe(1);
  });

  it('keeps words with the same hash apart', () => {
    const { counter, calls } = counting();
    const words = new WordCounts(counter, 100, 64);
    // Every word gets hash 7: all land in one probe chain and must be told apart by their characters.
    for (const w of ['ab', 'ba', 'abc', 'ab']) expect(words.get(w, 0, w.length, 7)).toBe(w.length * 10);
    expect(words.get('xab', 1, 3, 7)).toBe(20);
    expect(calls).toEqual(['ab', 'ba', 'abc']);
  });

  it('grows past its initial capacity without losing entries', () => {
    const { counter, calls } = counting();
    const words = new WordCounts(counter, 100_000, 64);
    const list = Array.from({ length: 5000 }, (_, i) => `w${i}`);
    for (const w of list) words.get(w, 0, w.length, hashOf(w));
    for (const w of list) expect(words.get(w, 0, w.length, hashOf(w))).toBe(w.length * 10);
    expect(calls).toHaveLength(5000);
    expect(words.size).toBe(5000);
  });

  it('starts over when full, and counts long words every time', () => {
    const { counter, calls } = counting();
    const words = new WordCounts(counter, 3, 5);
    for (const w of ['a', 'b', 'c', 'd', 'a']) expect(words.get(w, 0, 1, hashOf(w))).toBe(10);
    expect(words.size).toBeLessThanOrEqual(3);
    expect(calls).toEqual(['a', 'b', 'c', 'd', 'a']);
    calls.length = 0;
    const long = 'abcdefgh';
    expect(words.get(long, 0, 8, hashOf(long))).toBe(80);
    expect(words.get(long, 0, 8, hashOf(long))).toBe(80);
    expect(calls).toEqual([long, long]);
  });
});
