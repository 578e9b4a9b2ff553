/**
 * Per-document grouping: the cap keeps each document's best chunks in ranked order, and grouping orders
 * documents by their best-ranked chunk.
 */

import { describe, expect, test } from 'vitest';
import { capPerDocument, groupByDocument } from '../../src/retrieve/group.js';
import { expectCode } from '../helpers/errors.js';

const ranked = ['a:0', 'a:1', 'b:0', 'a:2', 'c:0', 'b:1', 'b:2'].map((id) => ({ id, docId: id.split(':')[0]! }));
const ids = (xs: { id: string }[]) => xs.map((x) => x.id);

describe('capPerDocument', () => {
  test('keeps at most n chunks of each document, in ranked order', () => {
    expect(ids(capPerDocument(ranked, 1))).toEqual(['a:0', 'b:0', 'c:0']);
    expect(ids(capPerDocument(ranked, 2))).toEqual(['a:0', 'a:1', 'b:0', 'c:0', 'b:1']);
  });

  test('no cap keeps everything, as a copy', () => {
    const out = capPerDocument(ranked);
    expect(ids(out)).toEqual(ids(ranked));
    expect(out).not.toBe(ranked);
  });

  test('a cap below 1 or not an integer is refused with its field', async () => {
    for (const bad of [0, -1, 1.5]) {
      const err = await expectCode(() => capPerDocument(ranked, bad), 'INVALID_ARGUMENT');
      expect(err.details.field).toBe('maxChunksPerDocument');
    }
  });
});

describe('groupByDocument', () => {
  test('orders documents by their best chunk and keeps each one’s chunks ranked', () => {
    const groups = groupByDocument(ranked);
    expect(groups.map((g) => g.docId)).toEqual(['a', 'b', 'c']);
    expect(groups.map((g) => ids(g.items))).toEqual([['a:0', 'a:1', 'a:2'], ['b:0', 'b:1', 'b:2'], ['c:0']]);
    expect(groupByDocument([])).toEqual([]);
  });
});
