/**
 * string[] array functions, JSON paths and json_contains*, dynamic (`$meta`) keys typed at run time, and
 * `{param}` templates, over the fixture rows through matchRow and resolveFilter (indexed and unindexed).
 */

import { describe, it } from 'vitest';
import { except, expectRows } from './fixtures.js';

const TAGS_VALUED = except([3, 7, 13, 17, 19]);

describe('string[] arrays', () => {
  it.each<[string, number[]]>([
    ['array_contains(tags, "a")', [0, 4, 5, 9, 11, 16]],
    ['ARRAY_CONTAINS(tags, "a")', [0, 4, 5, 9, 11, 16]],
    ['array_contains(tags, "A")', [10]],
    ['array_contains_all(tags, ["a", "b"])', [0, 9, 16]],
    ['array_contains_all(tags, ["a", "a"])', [0, 4, 5, 9, 11, 16]],
    ['array_contains_all(tags, [])', TAGS_VALUED],
    ['array_contains_any(tags, ["c", "z"])', [4, 6, 8, 9, 12, 14]],
    ['array_contains_any(tags, ["a", "b"])', [0, 1, 4, 5, 8, 9, 11, 16]],
    ['array_contains_any(tags, [])', []],
    ['not array_contains(tags, "a")', except([0, 4, 5, 9, 11, 16], TAGS_VALUED)],
    ['not array_contains_any(tags, ["a", "b"])', [2, 6, 10, 12, 14, 15, 18]],
    ['array_length(tags) == 0', [2, 15]],
    ['array_length(tags) >= 2', [0, 4, 6, 8, 9, 11, 16]],
    ['array_length(tags) * 2 == 6', [6, 9]],
    ['tags == ["a", "b"]', [0]],
    ['tags != ["b"]', except([1], TAGS_VALUED)],
    ['tags == []', [2, 15]],
    ['tags[0] == "a"', [0, 5, 9, 11]],
    ['tags[2] == "z"', [6]],
    ['tags[5] is null', except([])],
    ['array_contains(tags, "a") and active', [0, 5]],
  ])('%s', (expr, ids) => expectRows(expr, ids));
});

describe('JSON fields', () => {
  it.each<[string, number[]]>([
    ['meta["a"] == 1', [0]],
    ["meta['a'] == 1", [0]],
    ['meta["a"] > 1', [1, 4, 8, 14]],
    ['meta["a"] == "1"', [2]],
    ['meta["a"] == true', [12]],
    ['meta["a"]', [12]],
    ['meta["a"] != 1', [1, 4, 8, 10, 14, 17]],
    ['meta["a"] is null', [3, 5, 6, 9, 11, 13, 15, 16, 18, 19]],
    ['meta["a"] is not null', [0, 1, 2, 4, 7, 8, 10, 12, 14, 17]],
    ['meta["a"] + 1 == 2', [0]],
    ['-meta["a"] == 1', [17]],
    ['meta["a"] in [1, "1"]', [0, 2]],
    ['meta["a"] not in [1, 2]', [4, 8, 10, 17]],
    ['meta["a"] == [1, 2]', [7]],
    ['meta["a"][1] == 2', [7]],
    ['meta["s"] like "al%"', [6, 8]],
    ['meta["s"] in ["x", "b"]', [0, 11, 18]],
    ['meta["s"] > 5', []],
    ['meta["s"] < "b"', [6, 8]],
    ['meta["nested"]["k"][0]["v"] == 1', [9]],
    ['meta["l"][0] == 1', [0, 18]],
    ['meta == "str"', [15]],
    ['meta[0] == 1', [16]],
    ['json_contains(meta["l"], 2)', [0, 1]],
    ['json_contains(meta["l"], "a")', [4]],
    ['json_contains_all(meta["l"], [1, 2])', [0]],
    ['json_contains_any(meta["l"], [3, "a"])', [1, 4, 14]],
    ['json_contains(meta, 2)', [16]],
    ['not json_contains(meta["l"], 2)', [4, 11, 14, 18]],
    ['array_length(meta["l"]) == 0', [11]],
    ['array_length(meta) == 3', [16]],
  ])('%s', (expr, ids) => expectRows(expr, ids));
});

describe('dynamic fields', () => {
  it.each<[string, number[]]>([
    ['color == "red"', [0, 2, 10]],
    ['$meta["color"] == "red"', [0, 2, 10]],
    ['color like "r%"', [0, 2, 10]],
    ['color in ["blue", "green"]', [1, 5, 13]],
    ['color != "red"', [1, 5, 13, 16]],
    ['not (color == "red")', [1, 5, 13, 16]],
    ['color is null', [3, 4, 6, 7, 9, 11, 12, 14, 15, 17, 18, 19]],
    ['color is not null', [0, 1, 2, 5, 8, 10, 13, 16]],
    ['n > 1', [1, 5, 9, 14, 17]],
    ['n == "x"', [4]],
    ['n % 2 == 0', [1, 10, 14]],
    ['flag', [12]],
    ['flag == true', [12]],
    ['array_contains(n, 2)', [15]],
    ['array_length(n) == 2', [15]],
    ['nothing_here == 1', []],
    ['nothing_here is null', except([])],
    ['color == "red" and n >= 1', [0]],
  ])('%s', (expr, ids) => expectRows(expr, ids));
});

describe('templates', () => {
  it.each<[string, Record<string, unknown>, number[]]>([
    ['age > {min}', { min: 60 }, [5, 12, 17]],
    ['age > { min }', { min: 60 }, [5, 12, 17]],
    ['name in {names}', { names: ['bob', 'dave'] }, [1, 4, 13, 18]],
    ['{lo} < age < {hi}', { lo: 10, hi: 26 }, [0, 4, 9, 16]],
    ['name like {p}', { p: 'al%' }, [0, 6, 11]],
    ['active == {b}', { b: false }, [1, 4, 7, 11, 15, 18]],
    ['array_contains_any(tags, {t})', { t: ['z', 'd'] }, [6, 14, 18]],
    ['color == {c}', { c: 'red' }, [0, 2, 10]],
    ['meta["a"] == {a} or age == {a}', { a: 0 }, [10]],
    ['name == {s}', { s: '{s}' }, []],
  ])('%s %o', (expr, params, ids) => expectRows(expr, ids, params));
});
