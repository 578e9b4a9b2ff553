/**
 * Properties over random well-typed filters (a small grammar) and random rows with nulls: resolveFilter with
 * indexes == without indexes == the rows matchRow accepts (⊆ candidates when given), and estimateFilter's
 * bounds hold (min ≤ actual ≤ max, and expected == actual when exact).
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFilter, estimateFilter, resolveFilter } from '../../../src/store/filter/index.js';
import { bitsetIds, bitsetOf, type FixtureRow, makeSource, matchIds, schema } from './fixtures.js';

const str = fc.constantFrom('a', 'b', 'ab', 'ba', '', 'a%', 'b_');
const small = fc.integer({ min: -3, max: 3 });
const nullable = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null, freq: 4 });

const rowArb: fc.Arbitrary<FixtureRow> = fc.record({
  age: nullable(small),
  score: nullable(fc.constantFrom(-1.5, 0, 0.5, 2, 2.5)),
  name: nullable(str),
  active: nullable(fc.boolean()),
  tags: nullable(fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 4 })),
  meta: nullable(
    fc.oneof(fc.record({ k: nullable(fc.oneof(small, str)), l: fc.array(small, { maxLength: 3 }) }), small, str),
  ),
  dyn: nullable(fc.record({ color: nullable(fc.oneof(str, small)), n: nullable(small) }, { requiredKeys: [] })),
});

const q = (s: string) => JSON.stringify(s);
const numField = fc.constantFrom(
  'age',
  'score',
  'id',
  'meta["k"]',
  'n',
  'age + 1',
  '-score',
  'age % 2',
  'array_length(tags)',
);
const strField = fc.constantFrom('name', 'meta["k"]', 'color', '$meta["color"]');
const op = fc.constantFrom('==', '!=', '<', '<=', '>', '>=');
const list = <T>(a: fc.Arbitrary<T>, f: (x: T) => string) =>
  fc.array(a, { maxLength: 4 }).map((xs) => `[${xs.map(f).join(', ')}]`);
const tagList = list(fc.constantFrom('a', 'b', 'c', 'd'), q);

const leaf: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(numField, op, small).map(([f, o, c]) => `${f} ${o} ${c}`),
  fc.tuple(small, op, fc.constantFrom('age', 'score', 'id')).map(([c, o, f]) => `${c} ${o} ${f}`),
  fc
    .tuple(small, fc.constantFrom('<', '<='), fc.constantFrom('age', 'score'), fc.constantFrom('<', '<='), small)
    .map((p) => p.join(' ')),
  fc
    .tuple(fc.constantFrom('age', 'score', 'id', 'n'), fc.constantFrom('in', 'not in'), list(small, String))
    .map((p) => p.join(' ')),
  fc.tuple(strField, fc.constantFrom('==', '!=', '<', '>='), str).map(([f, o, c]) => `${f} ${o} ${q(c)}`),
  fc.tuple(strField, fc.constantFrom('in', 'not in'), list(str, q)).map((p) => p.join(' ')),
  fc
    .tuple(
      strField,
      fc.constantFrom('like', 'not like'),
      fc.constantFrom('a%', '%b', '_', '%a%', 'a_', '', '%', 'a\\\\%'),
    )
    .map(([f, o, p]) => `${f} ${o} "${p}"`),
  fc.constantFrom(
    'active',
    'active == true',
    'active == false',
    'active != true',
    'active in [true]',
    'active not in [false]',
  ),
  fc
    .tuple(
      fc.constantFrom('age', 'score', 'name', 'active', 'tags', 'meta', 'meta["k"]', 'color', 'n'),
      fc.constantFrom('is null', 'is not null'),
    )
    .map((p) => p.join(' ')),
  fc.tuple(fc.constantFrom('array_contains_all', 'array_contains_any'), tagList).map(([f, l]) => `${f}(tags, ${l})`),
  fc.constantFrom('a', 'b', 'c', 'd').map((t) => `array_contains(tags, ${q(t)})`),
  fc.tuple(fc.constantFrom('json_contains', 'array_contains'), small).map(([f, c]) => `${f}(meta["l"], ${c})`),
  fc
    .tuple(fc.constantFrom('json_contains_any', 'json_contains_all'), list(small, String))
    .map(([f, l]) => `${f}(meta["l"], ${l})`),
  fc.tuple(fc.constantFrom('tags == ', 'tags != '), tagList).map(([a, b]) => a + b),
);

const filterArb: fc.Arbitrary<string> = fc.letrec<{ f: string }>((tie) => ({
  f: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.tuple(tie('f'), fc.constantFrom('and', 'or', '&&', '||'), tie('f')).map(([a, o, b]) => `(${a}) ${o} (${b})`),
    tie('f').map((a) => `not (${a})`),
  ),
})).f;

const sourcesArb = fc
  .array(rowArb, { maxLength: 70 })
  .map((rows) => ({ rows, plain: makeSource(rows, false), indexed: makeSource(rows, true) }));

describe('resolveFilter agrees with matchRow', () => {
  it('indexed == unindexed == matchRow, with and without candidates', () => {
    fc.assert(
      fc.property(filterArb, sourcesArb, fc.array(fc.boolean(), { maxLength: 70 }), (expr, s, pick) => {
        const filter = compileFilter(expr, schema);
        const want = matchIds(filter, s.plain);
        expect(bitsetIds(resolveFilter(filter, s.indexed))).toEqual(want);
        expect(bitsetIds(resolveFilter(filter, s.plain))).toEqual(want);
        const cand = s.rows.map((_, i) => i).filter((i) => pick[i] ?? true);
        const candidates = bitsetOf(s.rows.length, cand);
        const inCand = want.filter((i) => cand.includes(i));
        expect(bitsetIds(resolveFilter(filter, s.indexed, candidates))).toEqual(inCand);
        expect(bitsetIds(resolveFilter(filter, s.plain, candidates))).toEqual(inCand);
        expect(bitsetIds(candidates)).toEqual(cand);
      }),
      { numRuns: 500 },
    );
  });
});

describe('estimateFilter bounds', () => {
  const check = (expr: string, s: { plain: ReturnType<typeof makeSource>; indexed: ReturnType<typeof makeSource> }) => {
    const filter = compileFilter(expr, schema);
    const actual = matchIds(filter, s.plain).length;
    for (const src of [s.indexed, s.plain]) {
      const e = estimateFilter(filter, src);
      expect(e.min).toBeLessThanOrEqual(actual);
      expect(e.max).toBeGreaterThanOrEqual(actual);
      expect(e.min).toBeLessThanOrEqual(e.expected);
      expect(e.expected).toBeLessThanOrEqual(e.max);
      if (e.exact) expect(e.expected).toBe(actual);
    }
  };

  it('min ≤ actual ≤ max, and expected == actual when exact', () => {
    fc.assert(fc.property(filterArb, sourcesArb, check), { numRuns: 500 });
  });

  it('holds on sampled sources (more than 256 rows)', () => {
    const big = fc
      .array(rowArb, { minLength: 257, maxLength: 400 })
      .map((rows) => ({ plain: makeSource(rows, false), indexed: makeSource(rows, true) }));
    fc.assert(fc.property(filterArb, big, check), { numRuns: 60 });
  });

  // Directed cases: a repeated value in an `in` list or an array_contains_any list, and a row holding two
  // listed tags, must not be counted twice by an exact estimate.
  it.each([
    ['age in [30, 30]', 3],
    ['name in ["bob", "bob"]', 3],
    ['array_contains_any(tags, ["a", "b"])', 8],
    ['array_contains_any(tags, ["a", "a"])', 6],
  ])('%s counts each row once', async (expr, count) => {
    const { indexed, plain } = await import('./fixtures.js');
    check(expr, { indexed, plain });
    expect(matchIds(compileFilter(expr, schema), plain).length).toBe(count);
  });
});
