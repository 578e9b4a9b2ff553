/**
 * docs/filter-language.md: every line of every `filter` code block compiles against the doc's example schema,
 * and the sample error message is what compileFilter really says.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../../src/store/filter/index.js';
import type { CollectionSchema } from '../../../src/store/schema/types.js';
import { quiverErrorOf } from './fixtures.js';

const doc = readFileSync(new URL('../../../docs/filter-language.md', import.meta.url), 'utf8');

const docSchema: CollectionSchema = {
  dynamic: true,
  fields: [
    { name: 'id', type: 'int', primary: true },
    { name: 'age', type: 'int', nullable: true },
    { name: 'price', type: 'float', nullable: true },
    { name: 'title', type: 'string', nullable: true, fullText: true },
    { name: 'body', type: 'string', nullable: true, fullText: true },
    { name: 'active', type: 'bool', nullable: true },
    { name: 'tags', type: 'string[]', nullable: true },
    { name: 'meta', type: 'json', nullable: true },
    { name: 'vec', type: 'vector', dim: 4, metric: 'cosine' },
  ],
};
const params = { min_age: 18, names: ['a', 'b'], lo: 1, hi: 10, banned: 'spam scam' };

const examples = [...doc.matchAll(/```filter\n([\s\S]*?)```/g)].flatMap((m) =>
  m[1]!.split('\n').filter((l) => l.trim()),
);

describe('docs/filter-language.md', () => {
  it('has examples', () => expect(examples.length).toBeGreaterThan(20));

  it.each(examples)('%s', (expr) => {
    expect(() => compileFilter(expr, docSchema, params)).not.toThrow();
  });

  it('shows a real error message', () => {
    const sample = /```text\n([\s\S]*?)\n```/.exec(doc)![1]!;
    const err = quiverErrorOf(() => compileFilter('age > 18 and title == 42', docSchema));
    expect(`${err.code}: ${err.message}`).toBe(sample);
  });
});
