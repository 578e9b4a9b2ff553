/**
 * estimateFilter: exact counts from indexes and null masks, exact small-table scans, and sound sampled bounds
 * (with the independence guess in between) on tables too large to scan.
 */

import { describe, expect, it } from 'vitest';
import { compileFilter, estimateFilter, resolveFilter } from '../../../src/store/filter/index.js';
import type { ColumnSource } from '../../../src/store/segment/columns.js';
import { rows, schema, sources, type TestRow, table } from './fixture.js';

const estimate = (e: string, src: ColumnSource = table.indexed) => estimateFilter(compileFilter(e, schema), src);

describe('estimateFilter', () => {
  it('counts indexed leaves exactly, including their negations and null tests', () => {
    for (const e of [
      'age == 30',
      'age != 30',
      'not (age < 25)',
      'name in ["bob", "carol", "bob"]',
      'array_contains_any(tags, ["a", "b"])',
      'age is null',
      'not (active == true)',
      '(age > 20 or name == "carol") and not array_contains(tags, "a")',
    ]) {
      const actual = resolveFilter(compileFilter(e, schema), table.plain).count();
      expect(estimate(e), e).toEqual({ min: actual, expected: actual, max: actual, exact: true });
    }
  });

  it('scans small tables exactly even without indexes', () => {
    expect(estimate('name like "a%"', table.plain)).toEqual({ min: 2, expected: 2, max: 2, exact: true });
    expect(estimate('meta["a"]["b"] > 0')).toMatchObject({ expected: 2, exact: true });
  });

  it('is exact and zero on an empty table', () => {
    expect(estimate('age > 1', sources([]).indexed)).toEqual({ min: 0, expected: 0, max: 0, exact: true });
  });

  it('samples large tables with sound bounds', () => {
    const big: TestRow[] = Array.from({ length: 10_000 }, (_, i) => ({
      ...rows[i % rows.length]!,
      id: i,
      name: `n${i % 100}`,
      age: i % 3 === 0 ? null : i % 100,
    }));
    const src = sources(big);
    for (const e of ['name like "n1%"', 'age * 2 < 50', 'name like "n1%" and age < 50', 'not (age + 1 > 10)']) {
      const actual = resolveFilter(compileFilter(e, schema), src.plain).count();
      const est = estimate(e, src.indexed);
      expect(est.exact, e).toBe(false);
      expect(est.min).toBeLessThanOrEqual(actual);
      expect(est.max).toBeGreaterThanOrEqual(actual);
      expect(Math.abs(est.expected - actual)).toBeLessThan(big.length * 0.15);
    }
    // Indexed and sampled leaves mix: the indexed side stays exact inside the bounds.
    const mixed = estimate('age < 10 and name like "%"', src.indexed);
    expect(mixed.max).toBeLessThanOrEqual(resolveFilter(compileFilter('age < 10', schema), src.indexed).count());
  });
});
