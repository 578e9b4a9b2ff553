/**
 * The retrieve options' defaults and checks: every bad value fails with INVALID_ARGUMENT naming its option.
 */

import { describe, expect, test } from 'vitest';
import { resolveRetrieveOptions } from '../../src/retrieve/retrieve-options.js';
import type { RetrieveOptions } from '../../src/retrieve/types.js';
import { expectCode } from '../helpers/errors.js';

describe('resolveRetrieveOptions', () => {
  test('defaults: k 5, hybrid, 50 candidates, no MMR, no grouping, no rerank without a reranker', () => {
    expect(resolveRetrieveOptions('q', {}, false)).toMatchObject({
      k: 5,
      mode: 'hybrid',
      candidates: 50,
      pool: 50,
      rerankDepth: 0,
      mmr: undefined,
      maxChunksPerDocument: undefined,
    });
  });

  test('candidates grow with k; MMR fetchK and rerank depth follow them', () => {
    expect(resolveRetrieveOptions('q', { k: 20 }, false)).toMatchObject({ candidates: 80, pool: 80 });
    expect(resolveRetrieveOptions('q', { k: 20, mmr: {} }, false).mmr).toEqual({ lambda: 0.5, fetchK: 80 });
    expect(resolveRetrieveOptions('q', { k: 3, mmr: { lambda: 0.2, fetchK: 10 } }, false)).toMatchObject({
      pool: 10,
      mmr: { lambda: 0.2, fetchK: 10 },
    });
    expect(resolveRetrieveOptions('q', {}, true).rerankDepth).toBe(50);
    expect(resolveRetrieveOptions('q', { rerank: false }, true).rerankDepth).toBe(0);
    // Never fewer reranked than returned.
    expect(resolveRetrieveOptions('q', { k: 8, rerankDepth: 3 }, true).rerankDepth).toBe(8);
    expect(resolveRetrieveOptions('q', { k: 8, candidates: 4 }, false).pool).toBe(8);
  });

  const cases: [string, RetrieveOptions, string][] = [
    ['k = 0', { k: 0 }, 'k'],
    ['fractional k', { k: 2.5 }, 'k'],
    ['k above the store maximum', { k: 20_000 }, 'k'],
    ['unknown mode', { mode: 'sparse' as never }, 'mode'],
    ['negative candidates', { candidates: -1 }, 'candidates'],
    ['lambda above 1', { mmr: { lambda: 1.2 } }, 'mmr.lambda'],
    ['fetchK 0', { mmr: { fetchK: 0 } }, 'mmr.fetchK'],
    ['maxChunksPerDocument 0', { maxChunksPerDocument: 0 }, 'maxChunksPerDocument'],
    ['rerank not a boolean', { rerank: 'yes' as never }, 'rerank'],
    ['rerank without a reranker', { rerank: true }, 'rerank'],
    ['filter not a string', { filter: 42 as never }, 'filter'],
  ];
  test.each(cases)('%s fails with INVALID_ARGUMENT naming its field', async (_, options, field) => {
    const err = await expectCode(() => resolveRetrieveOptions('q', options, false), 'INVALID_ARGUMENT');
    expect(err.details.field).toBe(field);
  });

  test('an empty or blank query is refused', async () => {
    for (const q of ['', '   ', 7]) {
      const err = await expectCode(() => resolveRetrieveOptions(q, {}, false), 'INVALID_ARGUMENT');
      expect(err.details.field).toBe('query');
    }
  });
});
