/**
 * String fields: equality, ordering, `in`, `like` with `%`, `_` and the `\%` / `\_` escapes, string-literal
 * escapes and quoting, over the fixture rows through matchRow and resolveFilter (indexed and unindexed).
 */

import { describe, it } from 'vitest';
import { except, expectRows } from './fixtures.js';

const NAME_VALUED = except([3, 19]);

describe('string comparison and in', () => {
  it.each<[string, number[]]>([
    ['name == "bob"', [1, 13, 18]],
    ["name == 'bob'", [1, 13, 18]],
    ['name != "bob"', except([1, 13, 18], NAME_VALUED)],
    ['name == ""', [8]],
    ['name < "b"', [0, 5, 6, 7, 8, 9, 10, 11, 15, 16]],
    ['name >= "x"', [14, 17]],
    ['name in ["alice", "Eve", "zzz"]', [0, 5]],
    ['name in ["alice", "Eve",]', [0, 5]],
    ['name not in ["bob", ""]', except([1, 8, 13, 18], NAME_VALUED)],
    ['name is not null', NAME_VALUED],
  ])('%s', (expr, ids) => expectRows(expr, ids));
});

describe('string literal escapes', () => {
  it.each<[string, number[]]>([
    ['name == "a\\\\b"', [15]],
    ["name == 'a\\\\b'", [15]],
    ['name == "\\u0062ob"', [1, 13, 18]],
    ['name == "bo\\u0062"', [1, 13, 18]],
    ['name == "it\'s"', []],
    ["name == 'say \\'hi\\''", []],
    ['name == "tab\\there"', []],
  ])('%s', (expr, ids) => expectRows(expr, ids));
});

describe('like', () => {
  it.each<[string, number[]]>([
    ['name like "al%"', [0, 6, 11]],
    ['name LIKE "al%"', [0, 6, 11]],
    ['name like "%b"', [1, 12, 13, 15, 18]],
    ['name like "%li%"', [0, 10]],
    ['name like "a_c"', [7, 9]],
    ['name like "a\\_c"', [7]],
    ['name like "al\\%"', [6]],
    ['name like "%\\%%"', [6, 12]],
    ['name like "%\\_%"', [7, 17]],
    ['name like "_"', []],
    ['name like ""', [8]],
    ['name like "%"', NAME_VALUED],
    ['name like "%%"', NAME_VALUED],
    ['name like "___"', [1, 5, 6, 7, 9, 13, 14, 15, 17, 18]],
    ['name like "x%y"', [17]],
    ['name like "bo%b"', [1, 12, 13, 18]],
    ['name like "b_b"', [1, 13, 18]],
    ['name like "_l%e"', [0, 10]],
    ['name like "a\\\\b"', [15]],
    ['name like "(.*)"', []],
    ['name not like "a%"', [1, 2, 4, 5, 8, 10, 12, 13, 14, 16, 17, 18]],
    ['not (name like "a%")', [1, 2, 4, 5, 8, 10, 12, 13, 14, 16, 17, 18]],
  ])('%s', (expr, ids) => expectRows(expr, ids));
});
