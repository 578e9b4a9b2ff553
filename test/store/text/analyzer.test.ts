/**
 * The analyzer: tokenization on Unicode letters and numbers, apostrophes, lowercasing, English stopwords,
 * Porter stemming, length bounds, the 'none' language, option validation, and shared instances.
 */

import { describe, expect, it } from 'vitest';
import { QuiverError } from '../../../src/errors.js';
import { createAnalyzer } from '../../../src/store/text/analyzer.js';
import { type AnalyzerOptions, resolveAnalyzerOptions } from '../../../src/store/text/analyzer-options.js';

const en = createAnalyzer();
const plain = createAnalyzer({ language: 'none' });

function invalidField(options: unknown): string | undefined {
  try {
    createAnalyzer(options as AnalyzerOptions);
  } catch (err) {
    expect(err).toBeInstanceOf(QuiverError);
    expect((err as QuiverError).code).toBe('INVALID_ARGUMENT');
    return (err as QuiverError).details.field as string | undefined;
  }
  return undefined;
}

describe('tokenizing', () => {
  it('splits on everything but letters and numbers, keeping order and repeats', () => {
    expect(plain.analyze('foo-bar_baz,qux.quux;foo  (foo)')).toEqual([
      'foo',
      'bar',
      'baz',
      'qux',
      'quux',
      'foo',
      'foo',
    ]);
    expect(plain.analyze('')).toEqual([]);
    expect(plain.analyze(' \t\n—!?')).toEqual([]);
  });

  it('keeps numbers and splits them at punctuation', () => {
    expect(plain.analyze('COVID-19 in 2020: 3.14 mg, 1e5 cells')).toEqual([
      'covid',
      '19',
      'in',
      '2020',
      '3',
      '14',
      'mg',
      '1e5',
      'cells',
    ]);
  });

  it('drops an apostrophe inside a word, ASCII or typographic, and splits at one outside a word', () => {
    expect(plain.analyze("don't Alzheimer’s o'clock")).toEqual(['dont', 'alzheimers', 'oclock']);
    expect(plain.analyze("'quoted' students' rock'n'roll")).toEqual(['quoted', 'students', 'rocknroll']);
    expect(plain.analyze("a''b")).toEqual(['a', 'b']);
  });

  it('keeps diacritics and non-Latin scripts, and composes decomposed characters (NFC)', () => {
    expect(plain.analyze('Café naïve Ærø')).toEqual(['café', 'naïve', 'ærø']);
    expect(plain.analyze('cafe\u0301')).toEqual(['café']);
    expect(plain.analyze('Привет, мир! 東京 ٣٤')).toEqual(['привет', 'мир', '東京', '٣٤']);
    // Outside the BMP: a math letter is a letter, an emoji is not.
    expect(plain.analyze('x𝑥y 😀 z')).toEqual(['x𝑥y', 'z']);
  });
});

describe("the default ('en') analyzer", () => {
  it('lowercases, drops English stopwords and stems with Porter', () => {
    expect(en.analyze('running')).toEqual(['run']);
    expect(en.analyze('The runners are RUNNING to the station')).toEqual(['runner', 'run', 'station']);
    expect(en.analyze('Connected connections connecting')).toEqual(['connect', 'connect', 'connect']);
  });

  it('keeps negations, which carry meaning in claims', () => {
    expect(en.analyze('not no')).toEqual(['not', 'no']);
  });

  it('analyzes the same text to the same terms every time (the term cache is transparent)', () => {
    const text = 'Hypothalamic neurons regulate feeding; feeding regulates neurons.';
    const first = en.analyze(text);
    expect(en.analyze(text)).toEqual(first);
    expect(first).toEqual(['hypothalam', 'neuron', 'regul', 'feed', 'feed', 'regul', 'neuron']);
  });

  it('is shared between equal options', () => {
    expect(createAnalyzer({})).toBe(en);
    expect(createAnalyzer({ language: 'en', stem: true, stopwords: 'en' })).toBe(en);
    expect(createAnalyzer({ stem: false })).not.toBe(en);
  });

  it('rejects a text that is not a string', () => {
    expect(() => en.analyze(42 as unknown as string)).toThrow(QuiverError);
  });
});

describe('options', () => {
  it("'none' neither stems nor drops stopwords unless told to", () => {
    expect(plain.analyze('The running dogs')).toEqual(['the', 'running', 'dogs']);
    expect(createAnalyzer({ language: 'none', stem: true }).analyze('The running dogs')).toEqual(['the', 'run', 'dog']);
    expect(createAnalyzer({ language: 'none', stopwords: 'en' }).analyze('The running dogs')).toEqual([
      'running',
      'dogs',
    ]);
  });

  it('lowercase: false keeps case, still drops stopwords of any case, and stems only lowercase tokens', () => {
    const a = createAnalyzer({ lowercase: false });
    expect(a.analyze('The Running dogs running')).toEqual(['Running', 'dog', 'run']);
  });

  it('a custom stopword list is normalized like tokens', () => {
    const a = createAnalyzer({ stopwords: ['Dogs', "Don't", 'cafe\u0301', 'dogs'] });
    expect(a.analyze('the dogs dont sit in the café')).toEqual(['the', 'sit', 'in', 'the']);
    expect(a.options.stopwords).toEqual(['café', 'dogs', 'dont']);
    expect(createAnalyzer({ stopwords: [] }).analyze('the end')).toEqual(['the', 'end']);
  });

  it('drops tokens outside the length bounds, measured before stemming', () => {
    const a = createAnalyzer({ language: 'none', minTokenLength: 3, maxTokenLength: 5 });
    expect(a.analyze('a an ant ants antsy anteater')).toEqual(['ant', 'ants', 'antsy']);
    expect(createAnalyzer({ maxTokenLength: 7 }).analyze('running runnings')).toEqual(['run']);
    expect(en.analyze(`x${'y'.repeat(64)} ${'z'.repeat(64)}`)).toEqual(['z'.repeat(64)]);
  });

  it('fills in defaults in one place', () => {
    expect(resolveAnalyzerOptions()).toEqual({
      language: 'en',
      lowercase: true,
      stopwords: 'en',
      stem: true,
      minTokenLength: 1,
      maxTokenLength: 64,
    });
    expect(resolveAnalyzerOptions({ language: 'none' })).toMatchObject({ stopwords: 'none', stem: false });
  });

  it('rejects bad options with INVALID_ARGUMENT naming the field', () => {
    expect(invalidField({ language: 'fr' })).toBe('language');
    expect(invalidField({ language: null })).toBe('language');
    expect(invalidField({ lowercase: 'yes' })).toBe('lowercase');
    expect(invalidField({ stem: 1 })).toBe('stem');
    expect(invalidField({ stopwords: 'de' })).toBe('stopwords');
    expect(invalidField({ stopwords: ['ok', 3] })).toBe('stopwords');
    expect(invalidField({ minTokenLength: 0 })).toBe('minTokenLength');
    expect(invalidField({ minTokenLength: 1.5 })).toBe('minTokenLength');
    expect(invalidField({ maxTokenLength: 100_000 })).toBe('maxTokenLength');
    expect(invalidField({ minTokenLength: 5, maxTokenLength: 4 })).toBe('maxTokenLength');
    expect(invalidField({ stemming: true })).toBe('stemming');
    expect(() => createAnalyzer(null as unknown as AnalyzerOptions)).toThrow(QuiverError);
  });
});
