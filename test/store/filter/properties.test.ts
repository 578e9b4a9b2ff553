/**
 * Property tests. (1) Any string, and any small edit of a valid expression, makes parseFilter and
 * compileFilter return or throw a QuiverError with a position, never anything else, and terminate.
 * (2) Random well-typed filters over random rows with nulls: index-aware resolution, scan resolution and
 * per-row matchRow agree (also restricted to candidates), and estimateFilter's bounds hold.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QuiverError } from '../../../src/errors.js';
import { compileFilter, estimateFilter, parseFilter, resolveFilter } from '../../../src/store/filter/index.js';
import { agreeOn, schema, sources, type TestRow } from './fixture.js';

const VALID = [
  'age > 10 and name like "a%"',
  'not (score <= 1.5e2) or array_contains_any(tags, ["a", "b"])',
  '18 <= age < 65 && meta["a"]["b"] == 1',
  'name in {names} and age is not null',
  'array_length(tags) * 2 + -age ** 2 >= 3 || color == "red"',
  "$meta['n'] != 'x' and not active",
];
const CODES = new Set(['FILTER_SYNTAX', 'FILTER_TYPE', 'FIELD_NOT_FOUND', 'FILTER_PARAM']);

function onlyQuiverErrors(expression: string): void {
  for (const run of [() => parseFilter(expression), () => compileFilter(expression, schema, { names: ['a'] })]) {
    try {
      run();
    } catch (err) {
      if (!(err instanceof QuiverError)) throw err;
      expect(CODES.has(err.code)).toBe(true);
      expect(err.details.position).toBeGreaterThanOrEqual(0);
      expect(err.details.position).toBeLessThanOrEqual(expression.length);
    }
  }
}

const edit = fc.tuple(
  fc.constantFrom(...VALID),
  fc.array(fc.tuple(fc.nat(), fc.nat(3), fc.constantFrom(...'()[]{}"\'\\,.<>=!&|%_-+*/ aA0$')), { maxLength: 4 }),
);

describe('parsing terminates with a QuiverError or a result', () => {
  it('arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), onlyQuiverErrors), { numRuns: 1500 });
  });

  it('strings made of the language’s own tokens', () => {
    const token = fc.constantFrom(
      ...['age', 'name', 'tags', 'meta', '$meta', 'and', 'or', 'not', 'in', 'like', 'is', 'null', 'true'],
      ...['(', ')', '[', ']', '{p}', ',', '==', '<', '>=', '!', '**', '-', '"s"', "'t'", '1', '2.5e3', 'array_length'],
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 14 }), (ts) => onlyQuiverErrors(ts.join(' '))),
      { numRuns: 1500 },
    );
  });

  it('valid expressions with random edits', () => {
    fc.assert(
      fc.property(edit, ([base, edits]) => {
        let s = base;
        for (const [at, how, ch] of edits) {
          const i = at % (s.length + 1);
          if (how === 0) s = s.slice(0, i) + s.slice(i + 1);
          else if (how === 1) s = s.slice(0, i) + ch + s.slice(i);
          else s = s.slice(0, i) + ch + s.slice(i + 1);
        }
        onlyQuiverErrors(s);
      }),
      { numRuns: 2000 },
    );
  });

  it('the valid corpus itself compiles', () => {
    for (const e of VALID) expect(() => compileFilter(e, schema, { names: ['a'] })).not.toThrow();
  });
});

const word = fc.constantFrom('a', 'b', 'c', 'ab', '');
const row = fc.record({
  id: fc.integer({ min: -5, max: 5 }),
  name: fc.option(word, { nil: null }),
  age: fc.option(fc.integer({ min: -3, max: 6 }), { nil: null }),
  score: fc.option(fc.constantFrom(-1.5, 0, 0.5, 2, 2.5), { nil: null }),
  active: fc.option(fc.boolean(), { nil: null }),
  tags: fc.option(fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 3 }), { nil: null }),
  color: fc.option(fc.constantFrom('red', 'blue', 1), { nil: undefined }),
});

const num = fc.integer({ min: -4, max: 7 }).map(String);
const op = fc.constantFrom('==', '!=', '<', '<=', '>', '>=');
const str = word.map((w) => JSON.stringify(w));
const strList = fc.array(word, { maxLength: 3 }).map((ws) => JSON.stringify(ws));
const numList = fc.array(fc.integer({ min: -3, max: 6 }), { maxLength: 3 }).map((ns) => `[${ns.join(', ')}]`);

const leaf = fc.oneof(
  fc.tuple(fc.constantFrom('age', 'score', 'id'), op, num).map(([f, o, k]) => `${f} ${o} ${k}`),
  fc.tuple(num, op, fc.constantFrom('age', 'id')).map(([k, o, f]) => `${k} ${o} ${f}`),
  fc.tuple(fc.constantFrom('==', '!='), str).map(([o, s]) => `name ${o} ${s}`),
  fc.tuple(fc.constantFrom('in', 'not in'), strList).map(([o, l]) => `name ${o} ${l}`),
  fc.tuple(fc.constantFrom('age', 'id'), fc.constantFrom('in', 'not in'), numList).map((p) => p.join(' ')),
  fc.constantFrom('name like "a%"', 'name like "%b"', 'name like "_"', 'name like "%a%"', 'name like "a_%"'),
  fc.constantFrom('active', 'active == true', 'active != false', 'active in [false]'),
  fc
    .tuple(fc.constantFrom('array_contains', 'array_contains_all', 'array_contains_any'), word, strList)
    .map(([f, w, l]) => (f === 'array_contains' ? `${f}(tags, ${JSON.stringify(w)})` : `${f}(tags, ${l})`)),
  fc.tuple(op, fc.nat(3)).map(([o, k]) => `array_length(tags) ${o} ${k}`),
  fc
    .tuple(fc.constantFrom('age', 'name', 'score', 'tags', 'active', 'color'), fc.boolean())
    .map(([f, not]) => `${f} is ${not ? 'not ' : ''}null`),
  fc.tuple(num, num).map(([a, b]) => `${a} <= age < ${b}`),
  fc.tuple(op, num).map(([o, k]) => `age + score * 2 ${o} ${k}`),
  fc.tuple(op, fc.constantFrom('"red"', '1')).map(([o, v]) => `color ${o === '<' ? '==' : o} ${v}`),
);

const expr = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    tie('e').map((e) => `not (${e})`),
    fc.tuple(tie('e'), fc.constantFrom('and', 'or', '&&', '||'), tie('e')).map(([a, o, b]) => `(${a}) ${o} (${b})`),
  ),
})).e;

describe('resolveFilter agrees with matchRow', () => {
  it('indexed == scan == matchRow, with and without candidates', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 40 }), expr, (data, e) => {
        agreeOn(compileFilter(e, schema), sources(data as TestRow[]), data.length);
      }),
      { numRuns: 600 },
    );
  });

  it('estimateFilter bounds hold, on small tables and sampled large ones', () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 30 }), fc.nat(30), expr, (data, copies, e) => {
        const big = Array.from({ length: copies + 1 }, () => data).flat() as TestRow[];
        const filter = compileFilter(e, schema);
        const { plain, indexed } = sources(big);
        const actual = resolveFilter(filter, plain).count();
        for (const src of [plain, indexed]) {
          const est = estimateFilter(filter, src);
          expect(est.min).toBeLessThanOrEqual(actual);
          expect(est.max).toBeGreaterThanOrEqual(actual);
          expect(est.expected).toBeGreaterThanOrEqual(est.min);
          expect(est.expected).toBeLessThanOrEqual(est.max);
          if (est.exact) expect(est.expected).toBe(actual);
        }
      }),
      { numRuns: 300 },
    );
  });
});
