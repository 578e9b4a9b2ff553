/**
 * The chat prompt: the system message asks for answers from the numbered sources only, cited as [n]; the user
 * message lists the sources with their numbers, titles and paths, then the question; sources are dropped from
 * the end until the prompt fits its budget, the first one is cut at a word boundary when it alone is too long,
 * and a budget too small for the question itself is an error.
 */

import { describe, expect, test } from 'vitest';
import type { Source } from '../../src/generate/generator.js';
import { buildPrompt, SYSTEM_PROMPT } from '../../src/generate/prompt.js';
import { expectCode } from '../helpers/errors.js';

/** One token a word: budgets can be worked out by hand. */
const words = (text: string) => text.split(/\s+/).filter((w) => w !== '').length;

const sources: Source[] = [
  {
    n: 1,
    id: 'tides.txt:0',
    docId: 'tides.txt',
    source: 'notes/tides.txt',
    title: 'Tides',
    start: 100,
    end: 160,
    text: 'Tides are caused by the pull of the Moon and the Sun on the oceans.',
  },
  {
    n: 2,
    id: 'moon.txt:3',
    docId: 'moon.txt',
    source: 'notes/moon.txt',
    title: 'Moon',
    text: 'The Moon orbits Earth.',
  },
  { n: 3, id: 'sun.txt:1', docId: 'sun.txt', source: 'notes/sun.txt', title: '', text: 'The Sun is a star.' },
];
const question = 'What causes tides?';

describe('buildPrompt', () => {
  test('the system message says to answer only from the numbered sources and to cite them as [n]', () => {
    const p = buildPrompt({ question, sources, maxPromptTokens: 10_000 });
    expect(p.system).toBe(SYSTEM_PROMPT);
    expect(p.system).toMatch(/only the numbered sources/);
    expect(p.system).toContain('[1]');
    expect(p.system).toMatch(/could not find/);
  });

  test('the user message numbers each source with its title and path, in order, then asks the question', () => {
    const p = buildPrompt({ question, sources, maxPromptTokens: 10_000, countTokens: words });
    expect(p.user).toBe(
      'Sources:\n\n' +
        '[1] Tides (notes/tides.txt)\nTides are caused by the pull of the Moon and the Sun on the oceans.\n\n' +
        '[2] Moon (notes/moon.txt)\nThe Moon orbits Earth.\n\n' +
        '[3] notes/sun.txt\nThe Sun is a star.\n\n' +
        'Question: What causes tides?',
    );
    expect(p.sources).toEqual(sources);
    expect(p.tokens).toBe(words(p.system) + words(p.user));
  });

  test('sources are dropped from the end until the prompt fits the budget', () => {
    const all = buildPrompt({ question, sources, maxPromptTokens: 10_000, countTokens: words });
    const two = buildPrompt({ question, sources: sources.slice(0, 2), maxPromptTokens: 10_000, countTokens: words });
    const fitted = (maxPromptTokens: number) => buildPrompt({ question, sources, maxPromptTokens, countTokens: words });
    expect(fitted(all.tokens).sources.map((s) => s.n)).toEqual([1, 2, 3]);
    expect(fitted(all.tokens - 1).sources.map((s) => s.n)).toEqual([1, 2]);
    expect(fitted(two.tokens)).toEqual(two);
    expect(fitted(two.tokens - 1).sources.map((s) => s.n)).toEqual([1]);
    for (const budget of [all.tokens, all.tokens - 1, two.tokens - 1]) {
      expect(fitted(budget).tokens).toBeLessThanOrEqual(budget);
    }
  });

  test('a first source too long on its own is cut at a word boundary, and its end offset moves with it', () => {
    const bare = buildPrompt({ question, sources: [], maxPromptTokens: 10_000, countTokens: words });
    expect(bare.user).toContain('(none)');
    const budget = bare.tokens + 6; // the heading takes three words ([1], Tides, path), the text gets the rest
    const p = buildPrompt({ question, sources, maxPromptTokens: budget, countTokens: words });
    expect(p.sources).toHaveLength(1);
    const cut = p.sources[0]!;
    expect(cut.text).toBe('Tides are caused by');
    expect(sources[0]!.text.startsWith(cut.text)).toBe(true);
    expect(cut).toMatchObject({ n: 1, start: 100, end: 100 + cut.text.length });
    expect(p.tokens).toBeLessThanOrEqual(budget);
  });

  test('without a tokenizer, tokens are estimated as words × 1.3 per message', () => {
    const p = buildPrompt({ question, sources, maxPromptTokens: 10_000 });
    expect(p.tokens).toBe(Math.ceil(words(p.system) * 1.3) + Math.ceil(words(p.user) * 1.3));
  });

  test('a budget too small for the instructions and question is an error', async () => {
    const err = await expectCode(
      () => buildPrompt({ question, sources, maxPromptTokens: 5, countTokens: words }),
      'INVALID_ARGUMENT',
    );
    expect(err.details.field).toBe('maxPromptTokens');
    await expectCode(() => buildPrompt({ question, sources, maxPromptTokens: 0 }), 'INVALID_ARGUMENT');
  });
});
