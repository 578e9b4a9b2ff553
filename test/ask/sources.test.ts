/**
 * What ask's sources are built from: the offsets, segments, page and score that passage merging gives each
 * passage, on hand-made chunks of known documents. Offsets are claimed only when the text is an exact slice;
 * segments locate every run of text across trimmed gaps; the score is the best hit's, even for a chunk first
 * read as a neighbour; the page is the first chunk's.
 */

import { describe, expect, test } from 'vitest';
import { mergePassages, type Passage, type Piece } from '../../src/retrieve/passages.js';

const DOC = 'Alpha beta gamma. Delta epsilon zeta.\n\nEta theta iota. Kappa lambda mu.';

/** A chunk of DOC from the first occurrence of `from` to the end of the first `to` after it. */
function piece(index: number, from: string, to: string, extra: Partial<Piece> = {}): Piece {
  const start = DOC.indexOf(from);
  const end = DOC.indexOf(to, start) + to.length;
  return {
    id: `d:${index}`,
    docId: 'd',
    source: 'd.txt',
    title: 'd',
    chunkIndex: index,
    text: DOC.slice(start, end),
    start,
    end,
    ...extra,
  };
}

const c0 = piece(0, 'Alpha', 'gamma.', { page: 1, score: 0.5 });
const c1 = piece(1, 'gamma.', 'zeta.', { page: 1 });
const c2 = piece(2, 'Eta', 'iota.', { page: 2, score: 0.7 });
const c3 = piece(3, 'iota.', 'mu.', { page: 2 });

/** Every segment's run of the passage text is the document's slice at its offsets. */
function expectSegmentsExact(p: Passage): void {
  for (const s of p.segments!) expect(p.text.slice(s.at, s.at + s.end - s.start)).toBe(DOC.slice(s.start, s.end));
}

describe('passage offsets, segments, page and score', () => {
  test('overlapping chunks: the passage is the exact document slice at its offsets, one segment', () => {
    const [p] = mergePassages([[c0, c1]]);
    expect(p).toMatchObject({ start: 0, end: DOC.indexOf('zeta.') + 5, page: 1, score: 0.5 });
    expect(DOC.slice(p!.start, p!.end)).toBe(p!.text);
    expect(p!.segments).toEqual([{ at: 0, start: p!.start, end: p!.end }]);
  });

  test('across a trimmed gap: no offsets are claimed, but each run is located by a segment', () => {
    const [p] = mergePassages([[c1, c2, c3]]);
    expect(p!.text).toBe('gamma. Delta epsilon zeta.\nEta theta iota. Kappa lambda mu.');
    expect(p!.start).toBeUndefined();
    expect(p!.end).toBeUndefined();
    expect(p!.segments).toHaveLength(2);
    expect(p!.segments![1]).toEqual({ at: p!.text.indexOf('Eta'), start: DOC.indexOf('Eta'), end: DOC.length });
    expectSegmentsExact(p!);
  });

  test('a chunk without offsets leaves the passage without offsets or segments', () => {
    const [p] = mergePassages([[c0, { ...c1, start: undefined, end: undefined }]]);
    expect(p!.text).toBe(`${c0.text}\n${c1.text}`);
    expect(p).not.toHaveProperty('start');
    expect(p).not.toHaveProperty('segments');
  });

  test('the score is the best of the hits merged in, also for a chunk read first as a neighbour', () => {
    const [p] = mergePassages([[c0, c1], [{ ...c1, score: 0.9 }]]);
    expect(p!.score).toBe(0.9);
    const [q] = mergePassages([[c2], [c0, c1, c2]]);
    expect(q).toMatchObject({ score: 0.7, page: 1, chunkIds: ['d:0', 'd:1', 'd:2'] });
    expect(mergePassages([[{ ...c1, score: undefined }]])[0]).not.toHaveProperty('score');
  });

  test('the page is the first chunk’s; chunks without pages give none', () => {
    expect(mergePassages([[c2, c3]])[0]!.page).toBe(2);
    expect(mergePassages([[{ ...c3, page: null }]])[0]!.page).toBeNull();
    expect(mergePassages([[{ ...c3, page: undefined }]])[0]).not.toHaveProperty('page');
  });
});
