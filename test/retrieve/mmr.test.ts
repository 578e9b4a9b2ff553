/**
 * MMR against hand-computed selections: a duplicate falls behind a less relevant but different candidate,
 * λ moves the balance between relevance and diversity, and bad input fails with a named field.
 */

import { describe, expect, test } from 'vitest';
import { cosine, mmr } from '../../src/retrieve/mmr.js';
import { expectCode } from '../helpers/errors.js';

const SQRT3_2 = Math.sqrt(3) / 2;

describe('cosine', () => {
  test('is scale-free, signed, and 0 for a zero vector', () => {
    expect(cosine([2, 0], [5, 0])).toBeCloseTo(1, 12);
    expect(cosine([1, 0], [0.5, SQRT3_2])).toBeCloseTo(0.5, 12);
    expect(cosine([1, 0], [-3, 0])).toBeCloseTo(-1, 12);
    expect(cosine([0, 0], [1, 1])).toBe(0);
  });

  test('refuses vectors of different lengths', async () => {
    const err = await expectCode(() => cosine([1, 0], [1, 0, 0]), 'DIMENSION_MISMATCH');
    expect(err.details).toMatchObject({ expected: 2, received: 3 });
  });
});

describe('mmr', () => {
  // A and B point the same way; C is orthogonal to both.
  const dup = [
    { relevance: 0.9, vector: [1, 0] },
    { relevance: 0.85, vector: [1, 0] },
    { relevance: 0.5, vector: [0, 1] },
  ];

  test('puts an exact duplicate of the first pick behind a different candidate (λ = 0.5)', () => {
    // After A: B scores 0.5·0.85 − 0.5·1 = −0.075, C scores 0.5·0.5 − 0 = 0.25.
    expect(mmr(dup)).toEqual([0, 2, 1]);
  });

  test('λ = 1 is the relevance order', () => {
    expect(mmr(dup, { lambda: 1 })).toEqual([0, 1, 2]);
  });

  test('λ decides between a partly similar relevant candidate and an unrelated one', () => {
    // A = (1,0); D at 60° from A (cos 0.5); C orthogonal to A, at 30° from D (cos √3/2).
    const c = [
      { relevance: 1, vector: [1, 0] },
      { relevance: 0.9, vector: [0.5, SQRT3_2] },
      { relevance: 0.6, vector: [0, 1] },
    ];
    // λ = 0.5 after A: D = 0.45 − 0.25 = 0.20, C = 0.30 − 0 = 0.30 → C, then D.
    expect(mmr(c, { lambda: 0.5 })).toEqual([0, 2, 1]);
    // λ = 0.7 after A: D = 0.63 − 0.15 = 0.48, C = 0.42 − 0 = 0.42 → D, then C.
    expect(mmr(c, { lambda: 0.7 })).toEqual([0, 1, 2]);
  });

  test('redundancy is the highest similarity to any pick, not to the last one', () => {
    // A = (1,0), C = (0,1), E a copy of A, F = (0.6, 0.8): cos(F, A) = 0.6, cos(F, C) = 0.8.
    // Step 2 (after A): C = 0.3, F = 0.35 − 0.3 = 0.05, E = 0.4 − 0.5 = −0.1 → C.
    // Step 3: E = 0.4 − 0.5·max(1, 0) = −0.1; F = 0.35 − 0.5·max(0.6, 0.8) = −0.05 → F before E.
    // (Counting only the last pick, C, would give E = 0.4 and put E first.)
    const c = [
      { relevance: 1, vector: [1, 0] },
      { relevance: 0.6, vector: [0, 1] },
      { relevance: 0.8, vector: [1, 0] },
      { relevance: 0.7, vector: [0.6, 0.8] },
    ];
    expect(mmr(c)).toEqual([0, 1, 3, 2]);
  });

  test('k stops early; ties keep the given order; no candidates give no picks', () => {
    const same = [
      { relevance: 0.5, vector: [1, 0] },
      { relevance: 0.5, vector: [0, 1] },
      { relevance: 0.5, vector: [-1, 0] },
    ];
    expect(mmr(same, { lambda: 1 })).toEqual([0, 1, 2]);
    expect(mmr(dup, { k: 2 })).toEqual([0, 2]);
    expect(mmr([], { k: 3 })).toEqual([]);
  });

  test('a lambda outside [0, 1] is refused with its field', async () => {
    const err = await expectCode(() => mmr(dup, { lambda: 1.5 }), 'INVALID_ARGUMENT');
    expect(err.details.field).toBe('mmr.lambda');
  });
});
