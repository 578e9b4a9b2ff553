/**
 * The parser's tree: node kinds, `start`/`end` offsets, precedence and associativity, chained ranges,
 * balanced `and`/`or` runs, and the length and depth limits.
 */

import { describe, expect, it } from 'vitest';
import { QuiverError } from '../../../src/errors.js';
import { compileFilter, type ExprNode, MAX_DEPTH, parseFilter } from '../../../src/store/filter/index.js';
import { schema } from './fixture.js';

/** A compact rendering of a tree, to assert its shape. */
function show(e: ExprNode): string {
  switch (e.kind) {
    case 'literal':
      return JSON.stringify(e.value);
    case 'array':
      return `[${e.items.map(show).join(',')}]`;
    case 'param':
      return `{${e.name}}`;
    case 'field':
      return e.name + e.path.map((p) => `[${JSON.stringify(p)}]`).join('');
    case 'not':
      return `not(${show(e.operand)})`;
    case 'neg':
      return `neg(${show(e.operand)})`;
    case 'logic':
    case 'compare':
    case 'arith':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'in':
      return `(${show(e.operand)} ${e.negated ? 'not in' : 'in'} ${show(e.list)})`;
    case 'like':
      return `(${show(e.operand)} like ${show(e.pattern)})`;
    case 'isnull':
      return `(${show(e.operand)} is ${e.negated ? 'not ' : ''}null)`;
    case 'call':
      return `${e.name}(${e.args.map(show).join(',')})`;
    case 'textmatch':
      return `text_match(${e.field},${JSON.stringify(e.terms)})`;
  }
}

function height(e: ExprNode): number {
  switch (e.kind) {
    case 'not':
    case 'neg':
      return 1 + height(e.operand);
    case 'logic':
    case 'compare':
    case 'arith':
      return 1 + Math.max(height(e.left), height(e.right));
    default:
      return 1;
  }
}

describe('parseFilter', () => {
  it.each([
    ['a or b and c', '(a or (b and c))'],
    ['not a and b', '(not(a) and b)'],
    ['!a || !!b', '(not(a) or not(not(b)))'],
    ['a + b * c ** 2 ** 3', '(a + (b * (c ** (2 ** 3))))'],
    ['a - b - c', '((a - b) - c)'],
    ['-a ** 2', 'neg((a ** 2))'],
    ['-2 ** 2', 'neg((2 ** 2))'],
    ['2 ** -1', '(2 ** -1)'],
    ['x > -3', '(x > -3)'],
    ['1 < x <= 5', '((1 < x) and (x <= 5))'],
    ['10 >= x > 2', '((10 >= x) and (x > 2))'],
    ['x not in [1, "a", true]', '(x not in [1,"a",true])'],
    ['x NOT LIKE "a%"', 'not((x like "a%"))'],
    ['x is not null', '(x is not null)'],
    ['meta["a"][0]["b"]', 'meta["a"][0]["b"]'],
    ["$meta['k'] == {p}", '($meta["k"] == {p})'],
    ['Array_Length(t) == 0', '(array_length(t) == 0)'],
    ['array_contains_any(t, [])', 'array_contains_any(t,[])'],
    ['TRUE or False', '(true or false)'],
    ['x in [[1, 2], [],]', '(x in [[1,2],[]])'],
  ])('%s', (expression, tree) => {
    expect(show(parseFilter(expression))).toBe(tree);
  });

  it('folds a minus sign into a number literal, but not into a power', () => {
    expect(parseFilter('-2 ** 2')).toMatchObject({ kind: 'neg' });
    expect(parseFilter('-2.5e1')).toMatchObject({ kind: 'literal', value: -25 });
  });

  it('gives every node its offsets', () => {
    const e = parseFilter('age > 10 and  name like "a%"');
    expect(e).toMatchObject({ kind: 'logic', start: 0, end: 28 });
    if (e.kind !== 'logic') throw new Error();
    expect(e.left).toMatchObject({ kind: 'compare', start: 0, end: 8 });
    expect(e.right).toMatchObject({ kind: 'like', start: 14, end: 28 });
    if (e.left.kind !== 'compare' || e.right.kind !== 'like') throw new Error();
    expect(e.left.left).toMatchObject({ kind: 'field', start: 0, end: 3 });
    expect(e.left.right).toMatchObject({ kind: 'literal', start: 6, end: 8 });
    expect(e.right.pattern).toMatchObject({ kind: 'literal', value: 'a%', start: 24, end: 28 });
  });

  it('reads string escapes', () => {
    const e = parseFilter(String.raw`s == "q\"\'\\\n\t\u0041"`);
    expect(e.kind === 'compare' && e.right.kind === 'literal' && e.right.value).toBe('q"\'\\\n\tA');
  });

  it('builds long and/or runs as balanced trees', () => {
    const e = parseFilter(Array.from({ length: 5000 }, (_, i) => `x == ${i}`).join(' or '));
    expect(height(e)).toBeLessThanOrEqual(15);
    const f = compileFilter(Array.from({ length: 2000 }, (_, i) => `age != ${i}`).join(' and '), schema);
    expect(f.fields).toEqual(new Set(['age']));
  });

  it('accepts nesting up to the limit and rejects past it', () => {
    const nested = (n: number) => `${'('.repeat(n)}x${')'.repeat(n)}`;
    expect(() => parseFilter(nested(MAX_DEPTH - 1))).not.toThrow();
    expect(() => parseFilter(nested(MAX_DEPTH + 1))).toThrow(QuiverError);
    expect(() => parseFilter(`x${' * 2'.repeat(200)} > 1`)).not.toThrow();
    expect(() => parseFilter('['.repeat(100_000))).toThrow(QuiverError);
  });
});

describe('compileFilter', () => {
  it('resolves names and records the columns it reads', () => {
    const f = compileFilter('age > 1 and color == "red" and meta["a"] == 1 and id != 2', schema);
    expect(f.fields).toEqual(new Set(['age', '$meta', 'meta', 'id']));
    expect(f.expression).toBe('age > 1 and color == "red" and meta["a"] == 1 and id != 2');
  });

  it('rewrites a dynamic name into a $meta path and substitutes params as literals', () => {
    const f = compileFilter('color["x"] == {c}', schema, { c: 'red' });
    expect(show(f.root)).toBe('($meta["color"]["x"] == "red")');
    expect(f.root).toMatchObject({ right: { kind: 'literal', start: 14, end: 17 } });
  });
});
