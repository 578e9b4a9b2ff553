/**
 * The sentence splitter: every sentence is the exact trimmed slice of the input at its offsets, sentences end
 * at terminal punctuation before something that can open a sentence, at blank lines and before Markdown block
 * markers, and abbreviations, initials and decimals do not end one.
 */

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { splitSentences } from '../../src/generate/sentences.js';

const texts = (input: string) => splitSentences(input).map((s) => s.text);

describe('splitSentences', () => {
  test('each sentence is the input sliced at its offsets, without surrounding whitespace', () => {
    const input = '  Cats groom daily.  Dogs fetch sticks!\tDo birds sing? Yes.  ';
    const out = splitSentences(input);
    expect(out.map((s) => s.text)).toEqual(['Cats groom daily.', 'Dogs fetch sticks!', 'Do birds sing?', 'Yes.']);
    for (const s of out) expect(input.slice(s.start, s.end)).toBe(s.text);
    expect(out[0]).toEqual({ start: 2, end: 19, text: 'Cats groom daily.' });
  });

  test('abbreviations, initials, decimals and lowercase continuations do not end a sentence', () => {
    expect(
      texts('Smith et al. found it, e.g. in mice. J. Smith agreed. P < 0.05 held in Fig. 2 vs. controls. It was fine.'),
    ).toEqual([
      'Smith et al. found it, e.g. in mice.',
      'J. Smith agreed.',
      'P < 0.05 held in Fig. 2 vs. controls.',
      'It was fine.',
    ]);
    expect(texts('The value was approx. three. the end')).toEqual(['The value was approx. three. the end']);
  });

  test('closing quotes and brackets stay with their sentence; an opening quote or digit starts the next', () => {
    expect(texts('He said "stop." "Why?" she asked. (It rained.) 12 people left.')).toEqual([
      'He said "stop."',
      '"Why?" she asked.',
      '(It rained.)',
      '12 people left.',
    ]);
  });

  test('blank lines and Markdown block markers end a sentence; a single line break inside one does not', () => {
    const input = '# Install\nRun the installer\nand wait.\n\nThen reboot\n- first item\n1. numbered\n| a | b |';
    expect(texts(input)).toEqual([
      '# Install',
      'Run the installer\nand wait.',
      'Then reboot',
      '- first item',
      '1. numbered',
      '| a | b |',
    ]);
  });

  test('a fenced code block is one span of kind code; headings and table rows are marked', () => {
    const input =
      'Use a filter. It runs fast.\n```filter\nage > 3. Not a sentence\n\nstill code\n```\nAfter the code.\n' +
      '## Next\n| a | b |\n~~~\nunclosed fence';
    const spans = splitSentences(input);
    for (const s of spans) expect(input.slice(s.start, s.end)).toBe(s.text);
    expect(spans.map((s) => [s.kind ?? 'prose', s.text])).toEqual([
      ['prose', 'Use a filter.'],
      ['prose', 'It runs fast.'],
      ['code', '```filter\nage > 3. Not a sentence\n\nstill code\n```'],
      ['prose', 'After the code.'],
      ['heading', '## Next'],
      ['table', '| a | b |'],
      ['code', '~~~\nunclosed fence'],
    ]);
  });

  test('empty and whitespace-only input has no sentences', () => {
    expect(splitSentences('')).toEqual([]);
    expect(splitSentences(' \n\n\t ')).toEqual([]);
  });

  test('for any input, sentences are ordered, disjoint, trimmed, exact slices covering every non-space character', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'B', '1', '.', '?', ' ', '\n', '"', ')', '#', '-') }), (s) => {
        const out = splitSentences(s);
        let last = 0;
        let covered = '';
        for (const sentence of out) {
          expect(sentence.start).toBeGreaterThanOrEqual(last);
          expect(s.slice(sentence.start, sentence.end)).toBe(sentence.text);
          expect(sentence.text).toBe(sentence.text.trim());
          expect(sentence.text).not.toBe('');
          covered += sentence.text;
          last = sentence.end;
        }
        expect(covered.replace(/\s/g, '')).toBe(s.replace(/\s/g, ''));
      }),
    );
  });
});
