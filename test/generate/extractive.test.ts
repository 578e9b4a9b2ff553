/**
 * The extractive generator on hand-made sources: it picks the sentence that answers the question (from whichever
 * source holds it), follows each picked sentence with its [n], quotes sentences at their exact offsets, does not
 * repeat itself, answers with NO_ANSWER (citing nothing) when no sentence shares a content term with the
 * question, streams sentence by sentence then one `done`, and rejects with ABORTED when its signal fires.
 */

import { describe, expect, test } from 'vitest';
import { checkCitations } from '../../src/generate/citations.js';
import { ExtractiveGenerator, NO_ANSWER, selectSentences } from '../../src/generate/extractive.js';
import type { GenerateEvent, Source } from '../../src/generate/generator.js';
import { expectCode } from '../helpers/errors.js';

const source = (n: number, title: string, text: string): Source => ({
  n,
  id: `${title}:0`,
  docId: title,
  source: `${title}.txt`,
  title,
  text,
});

const sources: Source[] = [
  source(
    1,
    'cats',
    'Cats spend a large part of every day grooming their fur. Grooming keeps the coat clean and spreads oils.\n\n' +
      'Domestic cats sleep between twelve and sixteen hours a day. Kittens learn to hunt by playing.',
  ),
  source(
    2,
    'lighthouse',
    'The lighthouse was built in 1858. Its lamp first burned whale oil. Keepers climbed 112 steps.',
  ),
  source(3, 'dogs', 'Dogs were the first animals people domesticated. A collie needs hours of exercise every day.'),
];

const generator = new ExtractiveGenerator();

async function collect(events: AsyncIterable<GenerateEvent>): Promise<GenerateEvent[]> {
  const out: GenerateEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

describe('ExtractiveGenerator', () => {
  test('answers with the sentence that answers the question, followed by its [n]', async () => {
    const r = await generator.generate({ question: 'How many hours a day do cats sleep?', sources });
    expect(r.text.startsWith('Domestic cats sleep between twelve and sixteen hours a day. [1]')).toBe(true);
    expect(r.quotes![0]).toMatchObject({ n: 1, text: 'Domestic cats sleep between twelve and sixteen hours a day.' });
    expect(r.finishReason).toBe('stop');
    expect(generator.modelId).toBe('extractive');
  });

  test('code blocks, table rows and headings are never quoted, even when they hold every query term', async () => {
    const doc = source(
      1,
      'Filters',
      '## Filter on a JSON field\n```filter\nmeta["lang"] == "en" filter json field\n```\n' +
        '| json field | filter |\nA JSON field is filtered with a path such as meta["lang"].',
    );
    const r = await generator.generate({ question: 'How do I filter on a JSON field?', sources: [doc] });
    expect(r.quotes!.map((q) => q.text)).toEqual(['A JSON field is filtered with a path such as meta["lang"].']);
    expect(r.text).not.toContain('```');
  });

  test("a source's title at the top of its text is never quoted, even when it matches the question best", async () => {
    const doc = source(
      2,
      'Old lighthouse tower finished',
      'Old lighthouse tower finished\n\nThe old tower was finished in 1858.',
    );
    const r = await generator.generate({ question: 'When was the old lighthouse tower finished?', sources: [doc] });
    expect(r.quotes!.map((q) => q.text)).toEqual(['The old tower was finished in 1858.']);
  });

  test('finds the answer in whichever source holds it, matching stems ("built" / "build")', async () => {
    const r = await generator.generate({ question: 'When did they build the lighthouse?', sources });
    expect(r.quotes![0]).toMatchObject({ n: 2, text: 'The lighthouse was built in 1858.' });
    expect(r.text.startsWith('The lighthouse was built in 1858. [2]')).toBe(true);
  });

  test('every picked sentence is followed by its [n], quoted at its exact offsets in its source', async () => {
    const r = await generator.generate({ question: 'Do cats groom their fur and sleep all day?', sources });
    const quotes = r.quotes!;
    expect(quotes.length).toBeGreaterThanOrEqual(2);
    expect(quotes.length).toBeLessThanOrEqual(3);
    expect(r.text).toBe(quotes.map((q) => `${q.text} [${q.n}]`).join(' '));
    for (const q of quotes) expect(sources[q.n - 1]!.text.slice(q.start, q.end)).toBe(q.text);
    expect(checkCitations(r.text, sources)).toMatchObject({ text: r.text, invalid: [] });
    expect(
      quotes
        .map((q) => q.text)
        .slice(0, 2)
        .sort(),
    ).toEqual([
      'Cats spend a large part of every day grooming their fur.',
      'Domestic cats sleep between twelve and sixteen hours a day.',
    ]);
  });

  test('a sentence repeated in another source is not quoted twice; maxSentences caps the answer', async () => {
    const copy = { ...sources[0]!, n: 4, docId: 'copy', id: 'copy:0' };
    const r = await generator.generate({ question: 'How long do domestic cats sleep?', sources: [sources[0]!, copy] });
    const texts = r.quotes!.map((q) => q.text);
    expect(new Set(texts).size).toBe(texts.length);
    expect(texts[0]).toBe('Domestic cats sleep between twelve and sixteen hours a day.');
    const one = await new ExtractiveGenerator({ maxSentences: 1 }).generate({ question: 'cats fur grooming', sources });
    expect(one.quotes).toHaveLength(1);
  });

  test('with no content term in common, the answer is NO_ANSWER and cites nothing', async () => {
    for (const question of ['What is quantum chromodynamics?', 'What is the it of them?']) {
      const r = await generator.generate({ question, sources });
      expect(r).toMatchObject({ text: NO_ANSWER, quotes: [], finishReason: 'stop' });
      expect(checkCitations(r.text, sources).cited).toEqual([]);
    }
    expect((await generator.generate({ question: 'How long do cats sleep?', sources: [] })).text).toBe(NO_ANSWER);
    expect(selectSentences('How long do cats sleep?', [])).toEqual([]);
  });

  test('stream yields the answer sentence by sentence, then exactly one done', async () => {
    const request = { question: 'Do cats groom their fur and sleep all day?', sources };
    const events = await collect(generator.stream(request));
    const done = events.at(-1)!;
    expect(done.type).toBe('done');
    const tokens = events.slice(0, -1);
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    for (const e of tokens) expect(e).toMatchObject({ type: 'token', text: expect.stringMatching(/\[\d+\]$/) });
    const whole = await generator.generate(request);
    expect(tokens.map((e) => (e.type === 'token' ? e.text : '')).join('')).toBe(whole.text);
    expect(done).toEqual({ type: 'done', usage: whole.usage, finishReason: 'stop', quotes: whole.quotes });
    expect(whole.usage.completionTokens).toBe(Math.ceil(whole.text.split(/\s+/).length * 1.3));
  });

  test('maxTokens keeps whole sentences that fit and reports finishReason "length"', async () => {
    const question = 'Do cats groom their fur and sleep all day?';
    const r = await generator.generate({ question, sources, maxTokens: 20 });
    expect(r.quotes).toHaveLength(1);
    expect(r.finishReason).toBe('length');
    expect(r.usage.completionTokens).toBeLessThanOrEqual(20);
  });

  test('an aborted signal rejects with ABORTED, before the answer or between its sentences', async () => {
    const question = 'Why do cats groom their fur every day?';
    const before = new AbortController();
    before.abort(new Error('user left'));
    const err = await expectCode(generator.generate({ question, sources, signal: before.signal }), 'ABORTED');
    expect((err.cause as Error).message).toBe('user left');
    await expectCode(collect(generator.stream({ question, sources, signal: before.signal })), 'ABORTED');

    const during = new AbortController();
    const seen: GenerateEvent[] = [];
    await expectCode(async () => {
      for await (const e of generator.stream({ question, sources, signal: during.signal })) {
        seen.push(e);
        during.abort();
      }
    }, 'ABORTED');
    expect(seen.map((e) => e.type)).toEqual(['token']);
  });

  test('bad options and requests fail with INVALID_ARGUMENT', async () => {
    await expectCode(() => new ExtractiveGenerator({ maxSentences: 0 }), 'INVALID_ARGUMENT');
    await expectCode(() => new ExtractiveGenerator({ minRelativeScore: 2 }), 'INVALID_ARGUMENT');
    await expectCode(() => new ExtractiveGenerator({ analyzer: { minTokenLength: 0 } }), 'INVALID_ARGUMENT');
    await expectCode(generator.generate({ question: 'x', sources: 'nope' as unknown as Source[] }), 'INVALID_ARGUMENT');
  });
});
