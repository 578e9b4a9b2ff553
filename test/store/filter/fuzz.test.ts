/**
 * Robustness under fast-check: arbitrary strings, and valid expressions with random character edits, either
 * parse / compile (and then resolve) or throw a QuiverError, never another error, and always terminate.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QuiverError } from '../../../src/errors.js';
import { compileFilter, parseFilter, resolveFilter } from '../../../src/store/filter/index.js';
import { bitsetIds, indexed, matchIds, plain, schema, staticSchema } from './fixtures.js';

const SEEDS = [
  'age > 18 and name like "al%"',
  '25 <= age < 40 or not active',
  'array_contains_any(tags, ["a", "b"]) && meta["a"][0] == 1',
  'color in ["red", "blue"] || n % 2 == 0',
  'json_contains_all(meta["l"], [1, 2]) and score ** 2 >= -age',
  'name not in {names} and age is not null',
  '$meta["k"] != "x\\u0041\\%" or array_length(tags) == {n}',
];
const ALPHABET = [...' ()[]{},"\'\\%_<>=!&|+-*/.$0123456789eEanotrulikeisfmgc\n\t', 'é', '😀', '\u0000'];

const edit = fc.tuple(fc.constantFrom('insert', 'delete', 'replace'), fc.nat(), fc.constantFrom(...ALPHABET));

function applyEdits(seed: string, edits: [string, number, string][]): string {
  let s = seed;
  for (const [op, at, ch] of edits) {
    const i = s.length === 0 ? 0 : at % (s.length + 1);
    if (op === 'insert') s = s.slice(0, i) + ch + s.slice(i);
    else if (op === 'delete') s = s.slice(0, i) + s.slice(i + 1);
    else s = s.slice(0, i) + ch + s.slice(i + 1);
  }
  return s;
}

/** Returns normally or throws a QuiverError; any compiled filter also resolves consistently. */
function survives(expr: string): void {
  const params = { names: ['bob'], n: 2 };
  for (const run of [
    () => parseFilter(expr),
    () => compileFilter(expr, schema, params),
    () => compileFilter(expr, staticSchema, params),
  ]) {
    let out: unknown;
    try {
      out = run();
    } catch (err) {
      if (!(err instanceof QuiverError)) throw err;
      expect(['FILTER_SYNTAX', 'FILTER_TYPE', 'FIELD_NOT_FOUND', 'FILTER_PARAM']).toContain(err.code);
      expect(typeof err.details.position).toBe('number');
      continue;
    }
    if (out && typeof out === 'object' && 'fields' in out) {
      const filter = out as ReturnType<typeof compileFilter>;
      const want = matchIds(filter, plain);
      expect(bitsetIds(resolveFilter(filter, indexed))).toEqual(want);
      expect(bitsetIds(resolveFilter(filter, plain))).toEqual(want);
    }
  }
}

describe('fuzzing the parser and binder', () => {
  it('arbitrary strings never throw anything but QuiverError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary', maxLength: 60 }),
          fc.string({ unit: fc.constantFrom(...ALPHABET), maxLength: 80 }),
        ),
        survives,
      ),
      { numRuns: 600 },
    );
  });

  it('valid expressions with random edits never throw anything but QuiverError', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SEEDS), fc.array(edit, { minLength: 1, maxLength: 6 }), (seed, edits) =>
        survives(applyEdits(seed, edits as [string, number, string][])),
      ),
      {
        numRuns: 800,
      },
    );
  });

  it('the seeds themselves compile', () => {
    for (const seed of SEEDS) expect(() => compileFilter(seed, schema, { names: ['bob'], n: 2 })).not.toThrow();
  });
});
