/**
 * Malformed and ill-typed expressions: each must throw a QuiverError with the right code, the exact 0-based
 * position, and an excerpt with a caret under that position.
 */

import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../../src/errors.js';
import { compileFilter, parseFilter } from '../../../src/store/filter/index.js';
import { quiverErrorOf } from '../../helpers/errors.js';
import { schema, staticSchema } from './fixture.js';

type Case = [expression: string, code: ErrorCode, position: number, params?: Record<string, unknown>];

const syntax: Case[] = [
  ['', 'FILTER_SYNTAX', 0],
  ['   ', 'FILTER_SYNTAX', 3],
  ['age >', 'FILTER_SYNTAX', 5],
  ['age > > 3', 'FILTER_SYNTAX', 6],
  ['(age > 3', 'FILTER_SYNTAX', 8],
  ['age > 3)', 'FILTER_SYNTAX', 7],
  ['age >> 3', 'FILTER_SYNTAX', 5],
  ['age = 3', 'FILTER_SYNTAX', 4],
  ['age == "abc', 'FILTER_SYNTAX', 7],
  ["name == 'abc", 'FILTER_SYNTAX', 8],
  ['name == "a\\q"', 'FILTER_SYNTAX', 10],
  ['name == "\\u12G4"', 'FILTER_SYNTAX', 9],
  ['age > 3 and', 'FILTER_SYNTAX', 11],
  ['and age > 3', 'FILTER_SYNTAX', 0],
  ['age > 3 or or age < 1', 'FILTER_SYNTAX', 11],
  ['age in [1, 2', 'FILTER_SYNTAX', 12],
  ['age in [1 2]', 'FILTER_SYNTAX', 10],
  ['age in [1,,2]', 'FILTER_SYNTAX', 10],
  ['array_contains(tags "a")', 'FILTER_SYNTAX', 20],
  ['foo(age)', 'FILTER_SYNTAX', 0],
  ['array_length(tags, 1) > 0', 'FILTER_SYNTAX', 19],
  ['array_contains(tags)', 'FILTER_SYNTAX', 19],
  ['array_contains(tags, "a",)', 'FILTER_SYNTAX', 25],
  ['age > 3 age < 5', 'FILTER_SYNTAX', 8],
  ['1 < age > 5', 'FILTER_SYNTAX', 8],
  ['age <= 1 < 2 < 3', 'FILTER_SYNTAX', 13],
  ['age == null', 'FILTER_SYNTAX', 7],
  ['age is nul', 'FILTER_SYNTAX', 7],
  ['age is', 'FILTER_SYNTAX', 6],
  ['$foo == 1', 'FILTER_SYNTAX', 0],
  ['$meta == 1', 'FILTER_SYNTAX', 0],
  ['meta[a] == 1', 'FILTER_SYNTAX', 5],
  ['meta["a" == 1', 'FILTER_SYNTAX', 9],
  ['meta[-1] == 1', 'FILTER_SYNTAX', 5],
  ['meta[1.5] == 1', 'FILTER_SYNTAX', 5],
  ['tags[0', 'FILTER_SYNTAX', 6],
  ['age > 1e999', 'FILTER_SYNTAX', 6],
  ['age > 12abc', 'FILTER_SYNTAX', 8],
  ['x == 1.2.3', 'FILTER_SYNTAX', 8],
  ['age > {', 'FILTER_SYNTAX', 6],
  ['age > {1x}', 'FILTER_SYNTAX', 6],
  ['age # 3', 'FILTER_SYNTAX', 4],
  ['age > 3 &', 'FILTER_SYNTAX', 8],
  ['age > 3 | 4', 'FILTER_SYNTAX', 8],
  ['not', 'FILTER_SYNTAX', 3],
  ['age like', 'FILTER_SYNTAX', 8],
  ['age in', 'FILTER_SYNTAX', 6],
  ['()', 'FILTER_SYNTAX', 1],
  ['"abc', 'FILTER_SYNTAX', 0],
  ['age > 3 /* c */', 'FILTER_SYNTAX', 9],
  ['age > 3 and (name == "a"', 'FILTER_SYNTAX', 24],
  [`${'('.repeat(300)}age > 1${')'.repeat(300)}`, 'FILTER_SYNTAX', 256],
  [`${'not '.repeat(300)}active`, 'FILTER_SYNTAX', 1024],
  [`1${' + 1'.repeat(300)} > 0`, 'FILTER_SYNTAX', 1022],
  [`${'-'.repeat(300)}1 < 0`, 'FILTER_SYNTAX', 256],
  ['x'.repeat(70_000), 'FILTER_SYNTAX', 65_536],
];

const typing: Case[] = [
  ['name > 3', 'FILTER_TYPE', 7],
  ['age == "30"', 'FILTER_TYPE', 7],
  ['active > true', 'FILTER_TYPE', 0],
  ['active == 1', 'FILTER_TYPE', 10],
  ['age like "3%"', 'FILTER_TYPE', 0],
  ['name + 1 > 2', 'FILTER_TYPE', 0],
  ['-name < 0', 'FILTER_TYPE', 1],
  ['array_contains(name, "a")', 'FILTER_TYPE', 15],
  ['array_length(age) > 1', 'FILTER_TYPE', 13],
  ['json_contains(name, "a")', 'FILTER_TYPE', 14],
  ['vec == 1', 'FILTER_TYPE', 0],
  ['age', 'FILTER_TYPE', 0],
  ['age + 1', 'FILTER_TYPE', 0],
  ['tags in ["a"]', 'FILTER_TYPE', 0],
  ['age in [1, "a"]', 'FILTER_TYPE', 11],
  ['age in 3', 'FILTER_TYPE', 7],
  ['name like 3', 'FILTER_TYPE', 10],
  ['array_contains(tags, 1)', 'FILTER_TYPE', 21],
  ['array_contains_all(tags, "a")', 'FILTER_TYPE', 25],
  ['array_contains(tags, age)', 'FILTER_TYPE', 21],
  ['age[0] == 1', 'FILTER_TYPE', 0],
  ['(age + 1) is null', 'FILTER_TYPE', 1],
  ['not age', 'FILTER_TYPE', 4],
  ['age > 1 and name', 'FILTER_TYPE', 12],
  ['tags == ["a", 1]', 'FILTER_TYPE', 14],
  ['tags < ["a"]', 'FILTER_TYPE', 0],
  ['tags == "a"', 'FILTER_TYPE', 8],
];

const names: Case[] = [
  ['nope == 1', 'FIELD_NOT_FOUND', 0],
  ['age > 1 and zzz < 2', 'FIELD_NOT_FOUND', 12],
  ['$meta["x"] == 1', 'FIELD_NOT_FOUND', 0],
  ['array_contains(missing, "a")', 'FIELD_NOT_FOUND', 15],
];

const params: Case[] = [
  ['age > {min}', 'FILTER_PARAM', 6],
  ['age > {min}', 'FILTER_PARAM', 6, { min: 'x' }],
  ['age > {min}', 'FILTER_PARAM', 6, { min: {} }],
  ['age > {min}', 'FILTER_PARAM', 6, { min: Number.NaN }],
  ['age > {min}', 'FILTER_PARAM', 6, { min: 10n }],
  ['age > {min}', 'FILTER_PARAM', 6, { max: 1 }],
  ['age in {list}', 'FILTER_PARAM', 7, { list: 3 }],
  ['name in {names}', 'FILTER_PARAM', 8, { names: ['a', 1] }],
  ['age > 1 and name == { who }', 'FILTER_PARAM', 20, { who: null }],
  ['array_contains(tags, {t})', 'FILTER_PARAM', 21, { t: 1 }],
];

describe('malformed expressions', () => {
  const all = [...syntax, ...typing, ...names, ...params];

  it('has at least 50 cases', () => {
    expect(all.length).toBeGreaterThanOrEqual(50);
  });

  it.each(all)('%s → %s at %i', (expression, code, position, p) => {
    const s = code === 'FIELD_NOT_FOUND' ? staticSchema : schema;
    const err = quiverErrorOf(() => compileFilter(expression, s, p));
    expect(err.code).toBe(code);
    expect(err.details.position).toBe(position);
    expect(typeof err.details.excerpt).toBe('string');
    expect(err.message).toContain(err.details.excerpt as string);
  });

  it.each(syntax)('parseFilter alone rejects %s', (expression, code, position) => {
    const err = quiverErrorOf(() => parseFilter(expression));
    expect([err.code, err.details.position]).toEqual([code, position]);
  });

  it('type errors need the schema: parseFilter accepts them', () => {
    for (const [expression] of typing) expect(() => parseFilter(expression)).not.toThrow();
  });
});

describe('excerpt', () => {
  it('is the expression, a newline, then a caret under the position', () => {
    const err = quiverErrorOf(() => compileFilter('age > "x"', schema));
    expect(err.details.excerpt).toBe('age > "x"\n      ^');
    expect(err.message).toContain('position 6');
  });

  it('windows long expressions around the position', () => {
    const expression = `${'age > 1 and '.repeat(40)}name > 3`;
    const err = quiverErrorOf(() => compileFilter(expression, schema));
    const [line, caret] = (err.details.excerpt as string).split('\n');
    expect(line!.length).toBeLessThan(100);
    expect(line![caret!.indexOf('^')]).toBe('3');
  });

  it('keeps the caret aligned when the expression has newlines and tabs', () => {
    const err = quiverErrorOf(() => compileFilter('age > 1\n\tand name > 3', schema));
    const [line, caret] = (err.details.excerpt as string).split('\n');
    expect(line![caret!.indexOf('^')]).toBe('3');
  });

  it('rejects non-string input without crashing', () => {
    expect(quiverErrorOf(() => parseFilter(42 as unknown as string)).code).toBe('FILTER_SYNTAX');
    expect(quiverErrorOf(() => compileFilter('age > 1', schema, null as unknown as Record<string, unknown>)).code).toBe(
      'FILTER_PARAM',
    );
  });
});
