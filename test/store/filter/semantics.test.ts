/**
 * Every operator and function against the fixture table. Each case goes through `ids`, which checks that
 * matchRow, a scan, the index-aware resolver and candidate-restricted resolution all return the same rows.
 */

import { describe, expect, it } from 'vitest';
import { ids } from './fixture.js';

type Case = [expression: string, expected: number[]];

function table(cases: Case[]): void {
  it.each(cases)('%s', (expression, expected) => {
    expect(ids(expression)).toEqual(expected);
  });
}

const EVERY = [0, 1, 2, 3, 4, 5, 6, 7];

describe('comparisons', () => {
  table([
    ['age == 30', [0, 4]],
    ['age != 30', [1, 3, 5, 6, 7]],
    ['age < 25', [5, 6, 7]],
    ['age <= 25', [1, 5, 6, 7]],
    ['age > 30', [3]],
    ['age >= 30', [0, 3, 4]],
    ['25 < age', [0, 3, 4]],
    ['30 == age', [0, 4]],
    ['age == 30.0', [0, 4]],
    ['age < 2.5', [6, 7]],
    ['score > 1', [0, 1, 5, 6]],
    ['score == 2.5', [1, 6]],
    ['score >= 1e3', [5]],
    ['score < -0.5', [2]],
    ['id >= 6', [6, 7]],
    ['id == 3', [3]],
    ['name == "bob"', [1]],
    ["name == 'bob'", [1]],
    ['name != "bob"', [0, 2, 4, 5, 6, 7]],
    ['name == ""', [6]],
    ['name > "c"', [2, 4, 7]],
    ['name == "\\u00c9mile"', [7]],
    ['active == true', [0, 2, 5]],
    ['active != true', [1, 4, 6]],
    ['active == false', [1, 4, 6]],
    ['active', [0, 2, 5]],
    ['age == score', []],
    ['age > score', [0, 1, 4]],
    ['tags == ["b"]', [1]],
    ['tags != ["b"]', [0, 2, 4, 5, 6, 7]],
    ['tags == []', [2]],
  ]);
});

describe('in and not in', () => {
  table([
    ['id in [1, 3, 99]', [1, 3]],
    ['id not in [1, 3]', [0, 2, 4, 5, 6, 7]],
    ['age in [30, 30, 18]', [0, 4, 5]],
    ['age in [30.5]', []],
    ['name in ["bob", "carol", "zed"]', [1, 2]],
    ['name not in ["bob"]', [0, 2, 4, 5, 6, 7]],
    ['active in [true]', [0, 2, 5]],
    ['active not in [true, false]', []],
    ['age in []', []],
    ['age not in []', [0, 1, 3, 4, 5, 6, 7]],
    ['age in [1, 2,]', []],
  ]);
});

describe('like', () => {
  table([
    ['name like "al%"', [0, 5]],
    ['name like "%e"', [0, 7]],
    ['name like "%o%"', [1, 2]],
    ['name like "bob"', [1]],
    ['name like "_ob"', [1]],
    ['name like "a%e%"', [0, 5]],
    ['name like "dave\\%"', [4]],
    ['name like "%\\%"', [4]],
    ['name like "al\\_ex"', [5]],
    ['name like "al_ex"', [5]],
    ['name like "%"', [0, 1, 2, 4, 5, 6, 7]],
    ['name like ""', [6]],
    ['name like "_____"', [0, 2, 4, 5, 7]],
    ['name like "(.*)"', []],
    ['not (name like "a%")', [1, 2, 4, 6, 7]],
    ['name not like "a%"', [1, 2, 4, 6, 7]],
    ['name LIKE "B%"', []],
  ]);
});

describe('arithmetic', () => {
  table([
    ['age * 2 > 50', [0, 3, 4]],
    ['age + score > 30', [0, 5]],
    ['age - 1 == 29', [0, 4]],
    ['age / 0 > 1', []],
    ['not (age / 0 > 1)', []],
    ['age % 2 == 1', [1, 3]],
    ['2 ** age > 1000', [0, 1, 3, 4, 5]],
    ['-age > 0', [7]],
    ['-age ** 2 < -100', [0, 1, 3, 4, 5]],
    ['(age + 1) * 2 == 62', [0, 4]],
    ['age * 2 > score', [0, 1, 4]],
    ['2 ** 3 ** 2 == 512 and id == 0', [0]],
    ['10 - 2 - 3 == 5 and id == 0', [0]],
    ['score * -1 > 0', [2]],
  ]);
});

describe('is null and three-valued logic', () => {
  table([
    ['age is null', [2]],
    ['age is not null', [0, 1, 3, 4, 5, 6, 7]],
    ['name is null', [3]],
    ['tags is null', [3]],
    ['meta is null', [3]],
    ['meta["a"] is null', [3, 5, 7]],
    ['meta["a"]["b"] is null', [2, 3, 5, 6, 7]],
    ['not (age is null)', [0, 1, 3, 4, 5, 6, 7]],
    ['age IS NOT NULL and name is null', [3]],
    ['age > 20 or name == "carol"', [0, 1, 2, 3, 4]],
    ['not (age > 20)', [5, 6, 7]],
    ['not (age > 20 and name == "bob")', [0, 2, 4, 5, 6, 7]],
    ['not (age > 100 or name == "x")', [0, 1, 4, 5, 6, 7]],
    ['not not (age > 20)', [0, 1, 3, 4]],
    ['age > 20 or age <= 20', [0, 1, 3, 4, 5, 6, 7]],
    ['not (age > 20 or age <= 20)', []],
    ['age > 20 and age <= 20', []],
    ['not (age > 20 and age <= 20)', [0, 1, 3, 4, 5, 6, 7]],
    ['true', EVERY],
    ['false', []],
    ['not false', EVERY],
    ['(age > 20) == true', [0, 1, 3, 4]],
    ['(age > 20) != (score > 1)', [4, 5, 6]],
  ]);
});

describe('array functions', () => {
  table([
    ['array_contains(tags, "a")', [0, 4, 7]],
    ['array_contains(tags, "zz")', []],
    ['array_contains_all(tags, ["a", "c"])', [4]],
    ['array_contains_all(tags, ["a", "a"])', [0, 4, 7]],
    ['array_contains_any(tags, ["c", "z"])', [4, 5, 6]],
    ['array_contains_any(tags, ["a", "b"])', [0, 1, 4, 6, 7]],
    ['array_contains_all(tags, [])', [0, 1, 2, 4, 5, 6, 7]],
    ['array_contains_any(tags, [])', []],
    ['not array_contains(tags, "a")', [1, 2, 5, 6]],
    ['not array_contains_any(tags, ["a", "b"])', [2, 5]],
    ['ARRAY_CONTAINS(tags, "a")', [0, 4, 7]],
    ['array_length(tags) == 0', [2]],
    ['array_length(tags) >= 2', [0, 4, 6]],
    ['array_length(tags) * 2 == 6', [4]],
    ['tags[0] == "b"', [1, 6]],
  ]);
});

describe('JSON fields and paths', () => {
  table([
    ['meta["a"]["b"] == 1', [0]],
    ['meta["a"]["b"] > 0', [0, 1]],
    ['meta["a"]["b"] != 1', [1]],
    ['meta["a"]["b"] == "1"', [4]],
    ['meta["list"][0] == "x"', [5]],
    ['meta["list"][1] == 2', [0]],
    ['meta[0] == 1', [7]],
    ['meta["a"] == "x"', [2]],
    ['meta["a"] like "%"', [2]],
    ['meta["list"] == [1, 2]', [0]],
    ['meta["list"][2] == true', [5]],
    ['meta["a"]["b"] + 1 == 2', [0]],
    ['meta["a"]["b"] in [1, "1"]', [0, 4]],
    ['not (meta["a"]["b"] in [2])', [0]],
    ['json_contains(meta["list"], 1)', [0, 5]],
    ['json_contains_all(meta["list"], [1, 2])', [0]],
    ['json_contains_any(meta["list"], ["x", 2])', [0, 5]],
    ['json_contains(meta, 3)', [7]],
    ['array_length(meta["list"]) == 0', [1]],
    ['array_contains(meta["list"], true)', [5]],
    ['json_contains(tags, "c")', [4, 5, 6]],
  ]);
});

describe('dynamic fields', () => {
  table([
    ['color == "red"', [0, 5]],
    ['$meta["color"] == "red"', [0, 5]],
    ['n > 4', [2, 6]],
    ['n is null', [0, 1, 3, 5, 7]],
    ['color is not null', [0, 1, 5]],
    ['color in ["red", "blue"]', [0, 1, 5]],
    ['not (color in ["red"])', [1]],
    ['n in ["five", 5]', [2, 4]],
    ['not (n in ["x"])', [4]],
    ['n == "five" or n == 7', [4, 6]],
    ['n * 2 == 10', [2]],
  ]);
});

describe('chained ranges', () => {
  table([
    ['18 < age < 31', [0, 1, 4]],
    ['18 <= age <= 30', [0, 1, 4, 5]],
    ['31 > age >= 25', [0, 1, 4]],
    ['0 < score * 2 < 4', [0]],
    ['not (18 < age < 31)', [3, 5, 6, 7]],
    ['"a" < name < "c"', [0, 1, 5]],
  ]);
});

describe('keywords and operators', () => {
  table([
    ['age > 20 AND NOT active Or name LIKE "c%"', [1, 2, 4]],
    ['age > 20 && !active || name == "carol"', [1, 2, 4]],
    ['active == TRUE', [0, 2, 5]],
    ['name IS NULL', [3]],
    ['age NOT IN [30]', [1, 3, 5, 6, 7]],
    ['age > 20 or name == "carol" and active == false', [0, 1, 3, 4]],
    ['(age > 20 or name == "carol") and active == false', [1, 4]],
  ]);
});

describe('templates', () => {
  it('substitutes typed values', () => {
    expect(ids('age > {min}', { min: 26 })).toEqual([0, 3, 4]);
    expect(ids('name in {names}', { names: ['bob', 'alice'] })).toEqual([0, 1]);
    expect(ids('active == {flag}', { flag: false })).toEqual([1, 4, 6]);
    expect(ids('array_contains_any(tags, {t})', { t: ['c'] })).toEqual([4, 5, 6]);
    expect(ids('{lo} < age < {hi} or age == {lo}', { lo: 18, hi: 31 })).toEqual([0, 1, 4, 5]);
    expect(ids('name like {p}', { p: 'a%' })).toEqual([0, 5]);
    expect(ids('age in [{a}, {b}]', { a: 30, b: 41 })).toEqual([0, 3, 4]);
  });

  it('never pastes text: a string param stays one string literal', () => {
    expect(ids('name == {x}', { x: 'bob" or name != "' })).toEqual([]);
    expect(ids('name == {x}', { x: 'bob' })).toEqual([1]);
  });
});
