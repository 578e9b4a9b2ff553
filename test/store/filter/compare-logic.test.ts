/**
 * Comparisons, chained ranges, arithmetic, `in`/`not in`, `is null`, and three-valued and/or/not over the
 * fixture rows: each expression's exact row set, through matchRow and resolveFilter with and without indexes.
 */

import { describe, it } from 'vitest';
import { except, expectRows } from './fixtures.js';

const AGE_VALUED = [0, 1, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 15, 16, 17, 18];
const ACTIVE_TRUE = [0, 2, 5, 8, 10, 12, 14, 17];
const ACTIVE_FALSE = [1, 4, 7, 11, 15, 18];

describe('comparisons on int, float and the primary key', () => {
  it.each<[string, number[]]>([
    ['age == 30', [1, 6, 13]],
    ['age != 30', except([1, 6, 13], AGE_VALUED)],
    ['age < 18', [10, 11, 15, 16]],
    ['age <= 18', [4, 10, 11, 15, 16]],
    ['age > 50', [5, 12, 17]],
    ['age >= 50', [5, 8, 12, 17]],
    ['18 < age', [0, 1, 3, 5, 6, 8, 9, 12, 13, 17, 18]],
    ['30 == age', [1, 6, 13]],
    ['30 != age', except([1, 6, 13], AGE_VALUED)],
    ['score > 2.5', [2, 6, 8, 11, 12, 14, 16, 18]],
    ['score == 1.5', [0, 9]],
    ['score <= 0', [4, 5, 10]],
    ['score == .25', [17]],
    ['score == 725e-2', [8]],
    ['score == 2.5E0', [1, 13]],
    ['score == -0.5', [10]],
    ['score < -1', [5]],
    ['id in [1, 2]', [1, 2]],
    ['id >= 18', [18, 19]],
    ['age == score', [16]],
    ['age > score', [0, 1, 4, 5, 6, 8, 9, 10, 13, 17, 18]],
  ])('%s', (expr, ids) => expectRows(expr, ids));
});

describe('chained ranges', () => {
  it.each<[string, number[]]>([
    ['25 <= age < 40', [0, 1, 6, 9, 13]],
    ['50 > age >= 25', [0, 1, 3, 6, 9, 13, 18]],
    ['-1 < age <= 7', [10, 15]],
    ['0 < score < 1', [17]],
    ['not (25 <= age < 40)', except([0, 1, 6, 9, 13], AGE_VALUED)],
  ])('%s', (expr, ids) => expectRows(expr, ids));
});

describe('arithmetic', () => {
  it.each<[string, number[]]>([
    ['age + 5 == 35', [1, 6, 13]],
    ['age - 5 < 0', [10, 11]],
    ['age * 2 >= 200', [17]],
    ['age / 2 == 12.5', [0, 9]],
    ['age % 2 == 1', [0, 5, 9, 12, 15, 18]],
    ['age % 2 == -1', [11]],
    ['age ** 2 > 2500', [5, 12, 17]],
    ['-age > 0', [11]],
    ['-age == -30', [1, 6, 13]],
    ['- -age == 30', [1, 6, 13]],
    ['age + score > 100', [12, 17]],
    ['age + 1 in [26, 31]', [0, 1, 6, 9, 13]],
    ['1 + 2 * 3 == 7', except([])],
    ['(1 + 2) * 3 == 9', except([])],
    ['10 - 2 - 3 == 5', except([])],
    ['2 ** 3 ** 2 == 512', except([])],
    ['(2 ** 3) ** 2 == 64', except([])],
    // Unary minus binds looser than **, as in mathematics.
    ['-2 ** 2 == -4', except([])],
    ['(-2) ** 2 == 4', except([])],
    ['2 ** -1 == 0.5', except([])],
    ['7 % 4 * 2 == 6', except([])],
    // Non-finite results are UNKNOWN, so neither the comparison nor its negation matches.
    ['age / 0 > 0', []],
    ['not (age / 0 > 0)', []],
    ['age - age == 0', AGE_VALUED],
  ])('%s', (expr, ids) => expectRows(expr, ids));
});

describe('in, not in, is null', () => {
  it.each<[string, number[]]>([
    ['age in [25, 7, 1000]', [0, 9, 15]],
    ['age not in [25, 30]', [3, 4, 5, 8, 10, 11, 12, 15, 16, 17, 18]],
    ['age in []', []],
    ['age not in []', AGE_VALUED],
    ['not (age in [25, 30])', [3, 4, 5, 8, 10, 11, 12, 15, 16, 17, 18]],
    ['score in [1.5, 100]', [0, 9, 11]],
    ['active in [false]', ACTIVE_FALSE],
    ['active not in [false]', ACTIVE_TRUE],
    ['age is null', [2, 7, 14, 19]],
    ['age is not null', AGE_VALUED],
    ['not (age is null)', AGE_VALUED],
    ['name is null', [3, 19]],
    ['active is null', [3, 6, 9, 13, 16, 19]],
    ['tags is null', [3, 7, 13, 17, 19]],
    ['meta is null', [3, 13, 19]],
    ['meta is not null', except([3, 13, 19])],
  ])('%s', (expr, ids) => expectRows(expr, ids));
});

describe('booleans and three-valued logic', () => {
  it.each<[string, number[]]>([
    ['active', ACTIVE_TRUE],
    ['active == true', ACTIVE_TRUE],
    ['active == false', ACTIVE_FALSE],
    ['active != true', ACTIVE_FALSE],
    ['not active', ACTIVE_FALSE],
    ['!active', ACTIVE_FALSE],
    ['not not active', ACTIVE_TRUE],
    ['active == TRUE', ACTIVE_TRUE],
    ['active and age > 26', [5, 8, 12, 17]],
    ['active && age > 26', [5, 8, 12, 17]],
    ['active AND age > 26', [5, 8, 12, 17]],
    ['active or age > 60', ACTIVE_TRUE],
    ['active || age > 60', ACTIVE_TRUE],
    ['!active || age > 60', [1, 4, 5, 7, 11, 12, 15, 17, 18]],
    ['not (active and age > 26)', [0, 1, 4, 7, 9, 10, 11, 15, 16, 18]],
    ['not (active or age > 60)', [1, 4, 11, 15, 18]],
    ['NOT (active OR age > 60)', [1, 4, 11, 15, 18]],
    ['not age > 30', [0, 1, 4, 6, 9, 10, 11, 13, 15, 16]],
    ['age > 60 or age is null', [2, 5, 7, 12, 14, 17, 19]],
    // Excluded middle does not hold for UNKNOWN: rows without an age match neither side.
    ['age > 100 or not (age > 100)', AGE_VALUED],
    ['age > 100 or age <= 100', AGE_VALUED],
    ['true', except([])],
    ['false', []],
    ['true and active', ACTIVE_TRUE],
    ['false or active', ACTIVE_TRUE],
    ['age == 30 and name == "bob"', [1, 13]],
    ['(age == 30 or age == 25) and not (name == "bob")', [0, 6, 9]],
    ['age\n==\t30', [1, 6, 13]],
    ['active == (age > 26)', [4, 5, 8, 11, 12, 15, 17]],
  ])('%s', (expr, ids) => expectRows(expr, ids));
});
