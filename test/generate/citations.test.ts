/**
 * Citation checking on hand-made answers: valid markers stay as written, invalid numbers are removed (a marker
 * left empty goes with the space before it), cited and invalid numbers come in order of first use, once each;
 * and the streaming filter, however the text is cut into pieces, yields exactly what the whole-text check does.
 */

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { CitationFilter, checkCitations } from '../../src/generate/citations.js';

const given = [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 12 }];

describe('checkCitations', () => {
  test('valid markers in every form are kept as written and reported in order of first use', () => {
    const text = 'Cats groom [2]. Dogs fetch [1, 3]. Birds sing [3][1]. Fish swim [12]. Again [2; 1].';
    expect(checkCitations(text, given)).toEqual({ text, cited: [2, 1, 3, 12], invalid: [] });
  });

  test('an invalid number is removed from its marker; a marker with nothing valid goes, with the space before it', () => {
    expect(checkCitations('Cats groom [1, 9]. Dogs fetch [7]. Birds sing [4][2].', given)).toEqual({
      text: 'Cats groom [1]. Dogs fetch. Birds sing [2].',
      cited: [1, 2],
      invalid: [9, 7, 4],
    });
  });

  test('[12] is twelve, not one and two; numbers repeat in the lists only once', () => {
    expect(checkCitations('A [12]. B [21]. C [12][1] [1].', given)).toEqual({
      text: 'A [12]. B. C [12][1] [1].',
      cited: [12, 1],
      invalid: [21],
    });
  });

  test('a range covers each number in it; brackets without numbers are not citations', () => {
    expect(checkCitations('All three [1-3]. Some [2–5]. See [a] and [ ] and [x1].', [1, 2, 3])).toEqual({
      text: 'All three [1-3]. Some [2, 3]. See [a] and [ ] and [x1].',
      cited: [1, 2, 3],
      invalid: [4, 5],
    });
  });

  test('with no sources every citation is invalid', () => {
    expect(checkCitations('It is so [1].', [])).toEqual({ text: 'It is so.', cited: [], invalid: [1] });
  });
});

describe('CitationFilter', () => {
  test('holds back only trailing space and markers, until the text moves past them', () => {
    const f = new CitationFilter([1, 2]);
    expect(f.push('Cats groom')).toBe('Cats groom');
    expect(f.push(' [')).toBe('');
    expect(f.push('1')).toBe('');
    expect(f.push('][9')).toBe('');
    expect(f.push('].')).toBe(' [1].');
    expect(f.push(' Dogs')).toBe(' Dogs');
    expect(f.flush()).toBe('');
    expect([f.cited, f.invalid]).toEqual([[1], [9]]);
  });

  test('a long bracket that is not a marker is not held back for ever', () => {
    const f = new CitationFilter([1]);
    const long = `[${'1 '.repeat(200)}`;
    expect(f.push(long)).toBe(long);
  });

  test('streamed in any pieces, the output joins to the whole-text check', () => {
    const unit = fc.constantFrom('word', ' ', '.', '[', ']', '1', '2', '9', ',', '-', '\n');
    fc.assert(
      fc.property(fc.array(fc.string({ unit, maxLength: 12 }), { maxLength: 12 }), (pieces) => {
        const whole = checkCitations(pieces.join(''), [1, 2]);
        const f = new CitationFilter([1, 2]);
        const streamed = pieces.map((p) => f.push(p)).join('') + f.flush();
        expect(streamed).toBe(whole.text);
        expect(f.cited).toEqual(whole.cited);
        expect(f.invalid).toEqual(whole.invalid);
      }),
    );
  });
});
