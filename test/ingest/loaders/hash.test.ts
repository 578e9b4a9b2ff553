/** documentHash: equal content → equal hash regardless of metadata key order; any change → a different hash. */

import { describe, expect, it } from 'vitest';
import { documentHash } from '../../../src/ingest/loaders/hash.js';

const base = { title: 'Intro', text: 'Hello world', metadata: { author: 'Ada', year: 2024, draft: false } };

describe('documentHash', () => {
  it('is a sha256 hex digest, stable across calls and metadata key order', () => {
    const h = documentHash(base);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(documentHash({ ...base })).toBe(h);
    expect(documentHash({ ...base, metadata: { draft: false, year: 2024, author: 'Ada' } })).toBe(h);
  });

  it('changes when the text, title or any metadata changes', () => {
    const h = documentHash(base);
    const variants = [
      { ...base, text: 'Hello world!' },
      { ...base, text: 'Hello  world' },
      { ...base, title: 'intro' },
      { ...base, metadata: { ...base.metadata, author: 'Grace' } },
      { ...base, metadata: { ...base.metadata, year: '2024' } },
      { ...base, metadata: { ...base.metadata, draft: true } },
      { ...base, metadata: { ...base.metadata, extra: '' } },
      { ...base, metadata: { author: 'Ada', year: 2024 } },
    ];
    const hashes = variants.map(documentHash);
    for (const other of hashes) expect(other).not.toBe(h);
    expect(new Set(hashes).size).toBe(hashes.length);
  });

  it('cannot be fooled by moving characters between title and text', () => {
    expect(documentHash({ title: 'ab', text: 'c', metadata: {} })).not.toBe(
      documentHash({ title: 'a', text: 'bc', metadata: {} }),
    );
  });
});
