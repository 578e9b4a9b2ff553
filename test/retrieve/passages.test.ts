/**
 * Passage merging over hand-made chunks of known documents: overlapping chunks join by offsets (the overlap
 * appears once), neighbours separated by trimmed whitespace join with a newline, passages keep the order of
 * their first hit, and repeated chunks or repeated text add nothing.
 */

import { describe, expect, test } from 'vitest';
import { mergePassages, type Piece } from '../../src/retrieve/passages.js';

const DOC = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu';

/** A chunk of `doc` from the first occurrence of `from` to the end of the first `to` after it. */
function piece(docId: string, doc: string, index: number, from: string, to: string): Piece {
  const start = doc.indexOf(from);
  const end = doc.indexOf(to, start) + to.length;
  return {
    id: `${docId}:${index}`,
    docId,
    source: `${docId}.txt`,
    title: docId,
    chunkIndex: index,
    text: doc.slice(start, end),
    start,
    end,
  };
}

// Overlapping chunks of DOC: each repeats the last word of the one before.
const a0 = piece('a', DOC, 0, 'alpha', 'gamma');
const a1 = piece('a', DOC, 1, 'gamma', 'epsilon');
const a2 = piece('a', DOC, 2, 'epsilon', 'zeta');
const a4 = piece('a', DOC, 4, 'iota', 'mu');

describe('mergePassages', () => {
  test('overlapping chunks become one passage whose text is the exact document slice', () => {
    const [p, ...rest] = mergePassages([[a1, a2], [a0]]);
    expect(rest).toEqual([]);
    expect(p!.text).toBe('alpha beta gamma delta epsilon zeta');
    expect(p!.text).toBe(DOC.slice(a0.start, a2.end));
    expect(p!.chunkIds).toEqual(['a:0', 'a:1', 'a:2']);
    expect(p).toMatchObject({ docId: 'a', source: 'a.txt', title: 'a' });
  });

  test('chunks far apart in one document stay separate passages, in order of first relevance', () => {
    const out = mergePassages([[a4], [a0], [piece('b', 'other words here', 0, 'other', 'here')]]);
    expect(out.map((p) => p.chunkIds)).toEqual([['a:4'], ['a:0'], ['b:0']]);
    expect(out[0]!.text).toBe('iota kappa lambda mu');
  });

  test('a later hit that bridges two passages merges them into the earlier one', () => {
    const b = piece('b', 'one two three', 0, 'one', 'three');
    const out = mergePassages([[a2], [b], [a0], [a1]]);
    expect(out.map((p) => p.chunkIds)).toEqual([['a:0', 'a:1', 'a:2'], ['b:0']]);
    expect(out[0]!.text).toBe('alpha beta gamma delta epsilon zeta');
  });

  test('neighbouring chunks with a whitespace gap between them join with one newline', () => {
    const doc = 'first part.\n\nsecond part.';
    const c0 = piece('c', doc, 0, 'first', 'part.');
    const c1 = piece('c', doc, 1, 'second', 'part.');
    expect(c1.start! - c0.end!).toBe(2);
    expect(mergePassages([[c0], [c1]]).map((p) => p.text)).toEqual(['first part.\nsecond part.']);
  });

  test('a chunk contained in the text so far adds nothing', () => {
    const inner: Piece = { ...piece('a', DOC, 9, 'beta', 'gamma'), chunkIndex: 0, id: 'a:0b' };
    const out = mergePassages([[a0, a1], [inner]]);
    expect(out[0]!.text).toBe('alpha beta gamma delta epsilon');
  });

  test('a chunk hit twice counts once, and a passage repeating an earlier one’s text is dropped', () => {
    const copy = { ...a0, id: 'copy:0', docId: 'copy', source: 'copy.txt' };
    const out = mergePassages([[a0], [a0], [copy], []]);
    expect(out.map((p) => p.docId)).toEqual(['a']);
    expect(out[0]!.chunkIds).toEqual(['a:0']);
  });

  test('without offsets, neighbouring chunk indexes still merge and join with newlines', () => {
    const bare = (i: number, text: string): Piece => ({
      id: `d:${i}`,
      docId: 'd',
      source: 's',
      title: 't',
      chunkIndex: i,
      text,
    });
    const out = mergePassages([[bare(1, 'B')], [bare(0, 'A')], [bare(5, 'F')]]);
    expect(out.map((p) => p.text)).toEqual(['A\nB', 'F']);
  });
});
