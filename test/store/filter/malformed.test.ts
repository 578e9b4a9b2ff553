/**
 * Malformed expressions, table-driven: each throws QuiverError with the expected code, the exact
 * `details.position`, and a `details.excerpt` whose last line is a caret under that position; plus the
 * nesting and length caps, and long flat chains that must never overflow the stack.
 */

import { describe, expect, it } from 'vitest';
import { QuiverError } from '../../../src/errors.js';
import { compileFilter, estimateFilter, parseFilter, resolveFilter } from '../../../src/store/filter/index.js';
import { MAX_EXPRESSION_LENGTH } from '../../../src/store/filter/parser.js';
import { bitsetIds, indexed, matchIds, plain, quiverErrorOf, schema, staticSchema } from './fixtures.js';

type Code = 'FILTER_SYNTAX' | 'FILTER_TYPE' | 'FIELD_NOT_FOUND' | 'FILTER_PARAM';
interface Case {
  expr: string;
  code: Code;
  position: number;
  params?: Record<string, unknown>;
  /** Compile against the non-dynamic schema. */
  strict?: boolean;
}

const S = 'FILTER_SYNTAX';
const T = 'FILTER_TYPE';
const P = 'FILTER_PARAM';
const F = 'FIELD_NOT_FOUND';

const CASES: Case[] = [
  // Empty input, unbalanced parens and brackets, dangling operators.
  { expr: '', code: S, position: 0 },
  { expr: '   ', code: S, position: 3 },
  { expr: '\n\t', code: S, position: 2 },
  { expr: '(age > 1', code: S, position: 8 },
  { expr: '((age > 1)', code: S, position: 10 },
  { expr: 'age > 1)', code: S, position: 7 },
  { expr: '()', code: S, position: 1 },
  { expr: 'age in [1, 2', code: S, position: 12 },
  { expr: 'age in 1, 2]', code: S, position: 8 },
  { expr: 'meta["a" == 1', code: S, position: 9 },
  { expr: 'meta["a"]] == 1', code: S, position: 9 },
  { expr: 'age >', code: S, position: 5 },
  { expr: 'age > 1 and', code: S, position: 11 },
  { expr: 'or age > 1', code: S, position: 0 },
  { expr: 'age == == 1', code: S, position: 7 },
  { expr: 'age > 1 age', code: S, position: 8 },
  { expr: 'age > 1 && && age < 2', code: S, position: 11 },
  { expr: 'not', code: S, position: 3 },
  { expr: '!', code: S, position: 1 },
  { expr: 'age > 1 and (name == "x" or)', code: S, position: 27 },
  { expr: 'age is nul', code: S, position: 7 },
  { expr: 'age is', code: S, position: 6 },
  { expr: 'age in [1,,2]', code: S, position: 10 },
  { expr: 'age +', code: S, position: 5 },
  { expr: 'age ** ', code: S, position: 7 },
  // Lexical errors: strings, escapes, characters, numbers, placeholders.
  { expr: 'name == "abc', code: S, position: 8 },
  { expr: 'name == \'abc"', code: S, position: 8 },
  { expr: 'name == "abc\\', code: S, position: 8 },
  { expr: 'name == "a\\qb"', code: S, position: 10 },
  { expr: 'name == "\\u12G4"', code: S, position: 9 },
  { expr: 'age @ 1', code: S, position: 4 },
  { expr: 'age = 1', code: S, position: 4 },
  { expr: 'age == 1x', code: S, position: 8 },
  { expr: 'age == 1e400', code: S, position: 7 },
  { expr: 'age > {min', code: S, position: 6 },
  { expr: 'age > {}', code: S, position: 6 },
  { expr: 'age > {1x}', code: S, position: 6 },
  // Functions: unknown, arity, argument shape.
  { expr: 'foo(age)', code: S, position: 0 },
  { expr: 'array_contains(tags)', code: S, position: 19 },
  { expr: 'array_length(tags, "a") > 1', code: S, position: 19 },
  { expr: 'array_contains(tags, "a", "b")', code: S, position: 26 },
  { expr: 'array_contains(tags "a")', code: S, position: 20 },
  { expr: 'array_contains(tags,)', code: S, position: 20 },
  // null as a value, $meta without a key, bad names and paths.
  { expr: 'age == null', code: S, position: 7 },
  { expr: 'age in [1, null]', code: S, position: 11 },
  { expr: '$meta == 1', code: S, position: 0 },
  { expr: '$foo == 1', code: S, position: 0 },
  { expr: 'meta[-1] == 1', code: S, position: 5 },
  { expr: 'meta[1.5] == 1', code: S, position: 5 },
  { expr: 'meta[a] == 1', code: S, position: 5 },
  // Chained ranges.
  { expr: '1 < age > 0', code: S, position: 8 },
  { expr: '5 > age <= 9', code: S, position: 8 },
  { expr: '1 < age == 2', code: S, position: 8 },
  { expr: '1 < age < 5 < 9', code: S, position: 12 },
  // Static type errors.
  { expr: 'name == 1', code: T, position: 8 },
  { expr: 'age == "1"', code: T, position: 7 },
  { expr: '"1" == age', code: T, position: 7 },
  { expr: 'age like "1%"', code: T, position: 0 },
  { expr: 'name like age', code: T, position: 10 },
  { expr: 'name + 1 > 2', code: T, position: 0 },
  { expr: 'age * "2" > 1', code: T, position: 6 },
  { expr: '-name == 1', code: T, position: 1 },
  { expr: 'active > false', code: T, position: 0 },
  { expr: 'tags < ["a"]', code: T, position: 0 },
  { expr: 'tags == "a"', code: T, position: 8 },
  { expr: 'tags == [1]', code: T, position: 9 },
  { expr: 'array_contains(name, "a")', code: T, position: 15 },
  { expr: 'array_length(age) > 1', code: T, position: 13 },
  { expr: 'array_contains(tags, 1)', code: T, position: 21 },
  { expr: 'array_contains_all(tags, "a")', code: T, position: 25 },
  { expr: 'array_contains_any(tags, [1])', code: T, position: 26 },
  { expr: 'json_contains(meta["l"], age)', code: T, position: 25 },
  { expr: 'array_contains(1, "a")', code: T, position: 15 },
  { expr: 'vec == 1', code: T, position: 0 },
  { expr: 'vec is null', code: T, position: 0 },
  { expr: 'age["x"] == 1', code: T, position: 0 },
  { expr: 'age in [age]', code: T, position: 8 },
  { expr: 'age in [1, "a"]', code: T, position: 11 },
  { expr: 'tags in ["a"]', code: T, position: 0 },
  { expr: 'age in 5', code: T, position: 7 },
  { expr: '1 is null', code: T, position: 0 },
  { expr: 'age', code: T, position: 0 },
  { expr: 'name', code: T, position: 0 },
  { expr: '1 + 1', code: T, position: 0 },
  { expr: 'not age', code: T, position: 4 },
  { expr: 'name == "x" and age', code: T, position: 16 },
  { expr: 'array_length(tags)', code: T, position: 0 },
  // Unknown fields with a non-dynamic schema.
  { expr: 'nope == 1', code: F, position: 0, strict: true },
  { expr: 'age > 1 and nope == 1', code: F, position: 12, strict: true },
  { expr: '$meta["x"] == 1', code: F, position: 0, strict: true },
  { expr: 'array_contains(nope, "a")', code: F, position: 15, strict: true },
  // Template params: missing, unsupported types, wrong kind for the field.
  { expr: 'age > {min}', code: P, position: 6 },
  { expr: 'age > {min}', code: P, position: 6, params: { max: 1 } },
  { expr: 'age > {min}', code: P, position: 6, params: { min: { a: 1 } } },
  { expr: 'age > {min}', code: P, position: 6, params: { min: Number.NaN } },
  { expr: 'age > {min}', code: P, position: 6, params: { min: Number.POSITIVE_INFINITY } },
  { expr: 'age > {min}', code: P, position: 6, params: { min: null } },
  { expr: 'age > {min}', code: P, position: 6, params: { min: 1n } },
  { expr: 'age > {min}', code: P, position: 6, params: { min: undefined } },
  { expr: 'age in {xs}', code: P, position: 7, params: { xs: [1, {}] } },
  { expr: 'age in {xs}', code: P, position: 7, params: { xs: [[[[[[[[[1]]]]]]]]] } },
  { expr: 'age > {min}', code: P, position: 6, params: { min: 'ten' } },
  { expr: 'age in {xs}', code: P, position: 7, params: { xs: ['a'] } },
  { expr: 'age > {toString}', code: P, position: 6, params: {} },
];

function check(c: Case): void {
  const err = quiverErrorOf(() => compileFilter(c.expr, c.strict ? staticSchema : schema, c.params));
  expect(err.code).toBe(c.code);
  expect(err.details.position).toBe(c.position);
  const excerpt = err.details.excerpt as string;
  const lines = excerpt.split('\n');
  expect(lines.length).toBe(2);
  expect(lines[1]).toMatch(/^ *\^$/);
  if (c.expr.length <= 80) {
    expect(lines[0]).toBe(c.expr.replace(/[\n\r\t]/g, ' '));
    expect(lines[1]).toBe(`${' '.repeat(c.position)}^`);
  }
  expect(err.message).toContain(`at position ${c.position}`);
  expect(err.message.endsWith(excerpt)).toBe(true);
}

describe('malformed expressions', () => {
  it('has at least 50 cases', () => expect(CASES.length).toBeGreaterThanOrEqual(50));
  it.each(CASES.map((c) => [JSON.stringify(c.expr), c] as const))('%s', (_, c) => check(c));
});

describe('limits', () => {
  it('rejects 300 nested parentheses at the first level past the cap', () => {
    const expr = `${'('.repeat(300)}age > 1${')'.repeat(300)}`;
    const err = quiverErrorOf(() => parseFilter(expr));
    expect(err.code).toBe('FILTER_SYNTAX');
    expect(err.details.position).toBe(256);
    expect((err.details.excerpt as string).split('\n')[1]).toMatch(/^ *\^$/);
  });

  it('accepts 200 nested parentheses', () => {
    expect(() => compileFilter(`${'('.repeat(200)}age > 1${')'.repeat(200)}`, schema)).not.toThrow();
  });

  it('rejects 300 nested nots, minuses, lists and powers with FILTER_SYNTAX', () => {
    for (const expr of [
      `${'not '.repeat(300)}active`,
      `${'-'.repeat(300)}age > 1`,
      `age in ${'['.repeat(300)}1${']'.repeat(300)}`,
      `age > ${'2 ** '.repeat(300)}1`,
    ]) {
      expect(quiverErrorOf(() => compileFilter(expr, schema)).code).toBe('FILTER_SYNTAX');
    }
  });

  it('rejects an expression over the length cap at the cap', () => {
    const expr = `age > 1${' or age > 1'.repeat(MAX_EXPRESSION_LENGTH / 10)}`;
    expect(expr.length).toBeGreaterThan(MAX_EXPRESSION_LENGTH);
    const err = quiverErrorOf(() => parseFilter(expr));
    expect(err.code).toBe('FILTER_SYNTAX');
    expect(err.details.position).toBe(MAX_EXPRESSION_LENGTH);
    const excerpt = err.details.excerpt as string;
    expect(excerpt.length).toBeLessThan(400);
    expect(excerpt.split('\n')[1]).toMatch(/^ *\^$/);
  });

  it('rejects a non-string expression', () => {
    expect(quiverErrorOf(() => parseFilter(42 as unknown as string)).code).toBe('FILTER_SYNTAX');
  });

  it('rejects params that are not an object', () => {
    const err = quiverErrorOf(() => compileFilter('age > 1', schema, null as unknown as Record<string, unknown>));
    expect(err.code).toBe('FILTER_PARAM');
  });

  // Long flat chains just under the length cap must compile (and resolve) or fail cleanly, never overflow.
  it.each([
    ['or chain', `age == 1${' or age == 1'.repeat(5400)}`],
    ['and chain', `age == 1${' and age == 1'.repeat(5000)}`],
    ['+ chain', `age == ${'1+'.repeat(32000)}1`],
    ['* chain', `age == ${'1*'.repeat(32000)}1`],
    ['- chain', `age == ${'1-'.repeat(32000)}1`],
  ])('a long %s compiles or throws a QuiverError', (_, expr) => {
    expect(expr.length).toBeLessThanOrEqual(MAX_EXPRESSION_LENGTH);
    try {
      const filter = compileFilter(expr, schema);
      expect(bitsetIds(resolveFilter(filter, indexed))).toEqual(matchIds(filter, plain));
      expect(bitsetIds(resolveFilter(filter, plain))).toEqual(matchIds(filter, plain));
      estimateFilter(filter, indexed);
    } catch (err) {
      expect(err).toBeInstanceOf(QuiverError);
    }
  });
});
