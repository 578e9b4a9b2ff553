/**
 * `ask` and `askStream` end to end over a real store, the real offline embedder and real files: the extractive
 * answer quotes the sentence that answers, every citation refers to a source the generator was given and
 * carries that source's fields, citation and quote offsets slice the original files exactly (also across merged
 * neighbours), PDF citations carry their page, invalid citations are removed and reported, the stream yields
 * tokens, then citations, then done, options reach the retriever and the context budget, and a fired signal
 * rejects with ABORTED.
 */

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Answer, type AskEvent, type AskOptions, ask, askStream } from '../../src/ask/ask.js';
import type { TransformersEmbedder } from '../../src/embed/transformers-embedder.js';
import { ExtractiveGenerator, NO_ANSWER } from '../../src/generate/extractive.js';
import type {
  GenerateEvent,
  GenerateRequest,
  GenerateResult,
  Generator,
  Source,
} from '../../src/generate/generator.js';
import { Retriever } from '../../src/retrieve/retriever.js';
import type { RetrieveOptions } from '../../src/retrieve/types.js';
import { expectCode } from '../helpers/errors.js';
import { testEmbedder } from '../helpers/model.js';
import { type AskCorpus, FILES, ingestAskCorpus } from './corpus.js';

let embedder: TransformersEmbedder;
let corpus: AskCorpus;
let retriever: Retriever;

beforeAll(async () => {
  embedder = await testEmbedder();
  corpus = await ingestAskCorpus(embedder);
  retriever = new Retriever({ collection: corpus.collection, embedder });
});
afterAll(async () => {
  await corpus?.close();
  await embedder?.dispose();
});

/** A real generator, recording the requests it was given. */
class Recording implements Generator {
  readonly requests: GenerateRequest[] = [];
  readonly modelId: string;
  constructor(private readonly inner: Generator) {
    this.modelId = inner.modelId;
  }
  generate(request: GenerateRequest): Promise<GenerateResult> {
    this.requests.push(request);
    return this.inner.generate(request);
  }
  stream(request: GenerateRequest): AsyncIterable<GenerateEvent> {
    this.requests.push(request);
    return this.inner.stream(request);
  }
  get sources(): Source[] {
    return this.requests.at(-1)!.sources;
  }
}

/** A generator that writes a fixed answer in fixed pieces, citing whatever it is told to. */
class Scripted implements Generator {
  readonly modelId = 'scripted';
  constructor(private readonly pieces: string[]) {}
  async generate(): Promise<GenerateResult> {
    return { text: this.pieces.join(''), usage: { promptTokens: 7, completionTokens: 5 }, finishReason: 'stop' };
  }
  async *stream(): AsyncGenerator<GenerateEvent> {
    for (const text of this.pieces) yield { type: 'token', text };
    yield { type: 'done', usage: { promptTokens: 7, completionTokens: 5 }, finishReason: 'stop' };
  }
}

const parts = (generator: Generator = new ExtractiveGenerator(), extra: { retriever?: Retriever } = {}) => ({
  retriever: extra.retriever ?? retriever,
  collection: corpus.collection,
  generator,
  countTokens: (t: string) => embedder.countTokens(t),
});

async function collect(events: AsyncIterable<AskEvent>): Promise<AskEvent[]> {
  const out: AskEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

/** Every citation's offsets (and its quotes') slice the original file to exactly the cited text. */
function expectExactOffsets(answer: Answer): void {
  for (const c of answer.citations) {
    if (c.start === null || c.end === null) continue;
    const file = readFileSync(c.docId, 'utf8');
    expect(file.slice(c.start, c.end)).toBe(c.text);
    for (const q of c.quotes ?? []) expect(file.slice(q.start!, q.end!)).toBe(q.text);
  }
}

describe('ask', () => {
  test('the extractive answer quotes the sentence that answers, citing the source it comes from', async () => {
    const generator = new Recording(new ExtractiveGenerator());
    const a = await ask(parts(generator), 'What causes tides?');
    const first = a.citations[0]!;
    const tides = generator.sources.find((s) => s.docId === corpus.docId('tides.txt'))!;
    expect(
      a.answer.startsWith(`Tides are caused mainly by the gravitational pull of the Moon on the oceans. [${tides.n}]`),
    ).toBe(true);
    expect(first).toMatchObject({ n: tides.n, docId: tides.docId, source: tides.docId, title: 'tides' });
    expect(first.quotes![0]!.text).toBe('Tides are caused mainly by the gravitational pull of the Moon on the oceans.');
    expect(a.invalidCitations).toEqual([]);
  });

  test('every citation refers to a source the generator was given and carries that source’s fields', async () => {
    const generator = new Recording(new ExtractiveGenerator());
    const a = await ask(parts(generator), 'How does sourdough bread rise and why is it sour?', { k: 4 });
    const given = new Map(generator.sources.map((s) => [s.n, s]));
    expect(a.citations.length).toBeGreaterThan(0);
    for (const m of a.answer.matchAll(/\[(\d+)\]/g)) expect(given.has(Number(m[1]))).toBe(true);
    expect(a.citations.map((c) => c.n)).toEqual([...new Set([...a.answer.matchAll(/\[(\d+)\]/g)].map((m) => +m[1]!))]);
    for (const c of a.citations) {
      const s = given.get(c.n)!;
      expect(c).toMatchObject({ id: s.id, docId: s.docId, source: s.source, title: s.title, text: s.text });
      expect(c.score).toBe(s.score);
      expect(c.page).toBeNull();
    }
    expectExactOffsets(a);
  });

  test('citation and quote offsets slice the original file exactly', async () => {
    const a = await ask(parts(), 'What do lactic acid bacteria give sourdough?', { k: 1 });
    const c = a.citations[0]!;
    expect(c.docId).toBe(corpus.docId('bread.txt'));
    expect(c.start).not.toBeNull();
    const file = FILES['bread.txt']!;
    expect(file.slice(c.start!, c.end!)).toBe(c.text);
    expect(c.quotes!.map((q) => file.slice(q.start!, q.end!))).toEqual(c.quotes!.map((q) => q.text));
    expect(c.quotes![0]!.text).toBe('Lactic acid bacteria in the starter give sourdough its sour taste.');
  });

  test('with neighbours, overlapping chunks merge into one source whose offsets still slice the file', async () => {
    const generator = new Recording(new ExtractiveGenerator());
    const a = await ask(parts(generator), 'Since when has the lava lake persisted?', { k: 1, neighbours: 1 });
    const [source] = generator.sources;
    expect(source!.docId).toBe(corpus.docId('volcano.txt'));
    expect(source!.text.length).toBeGreaterThan(160); // more than one chunk
    const c = a.citations[0]!;
    expect(FILES['volcano.txt']!.slice(c.start!, c.end!)).toBe(c.text);
    expect(c.quotes![0]).toMatchObject({ text: 'It has persisted since 1972.' });
    expectExactOffsets(a);
    // Across the blank line the chunker trimmed, the merged text is no slice of the file: the source claims no
    // offsets, but its quotes are still located exactly, through the passage's segments.
    const t = await ask(parts(), 'When do spring tides happen?', { k: 1, neighbours: 1 });
    const tides = t.citations[0]!;
    expect(tides).toMatchObject({ docId: corpus.docId('tides.txt'), start: null, end: null });
    expect(tides.text).toContain('oceans. The Sun adds a smaller pull.\nSpring tides happen');
    expect(tides.quotes![0]!.text).toMatch(/^Spring tides happen at new and full moon/);
    for (const q of tides.quotes!) expect(FILES['tides.txt']!.slice(q.start!, q.end!)).toBe(q.text);
  });

  test('a PDF citation carries the page its passage starts on', async () => {
    const two = await ask(parts(), 'How much ice do Greenland glaciers lose every year?', { k: 2 });
    expect(two.citations[0]).toMatchObject({ docId: corpus.docId('atlas.pdf'), page: 2 });
    expect(two.citations[0]!.quotes![0]!.text).toContain('Greenland glaciers lose');
    const one = await ask(parts(), 'Which maps does the atlas open with?', { k: 2 });
    expect(one.citations[0]).toMatchObject({ docId: corpus.docId('atlas.pdf'), page: 1 });
  });

  test('citations to sources that were not given are removed from the answer and reported', async () => {
    const generator = new Scripted(['Tides follow the Moon [1][9]', '. Bread rises [7', ']. Both [1, 8].']);
    const a = await ask(parts(generator), 'What causes tides?', { k: 2 });
    expect(a.answer).toBe('Tides follow the Moon [1]. Bread rises. Both [1].');
    expect(a.invalidCitations).toEqual([9, 7, 8]);
    expect(a.citations.map((c) => c.n)).toEqual([1]);
    expect(a.citations[0]!.quotes).toBeUndefined();
    expect(a.usage).toEqual({ promptTokens: 7, completionTokens: 5 });
  });

  test('filter and k reach the retriever; with nothing relevant the answer is NO_ANSWER and cites nothing', async () => {
    const generator = new Recording(new ExtractiveGenerator());
    const options: AskOptions = { k: 1, filter: 'doc_id == {d}', params: { d: corpus.docId('bread.txt') } };
    const a = await ask(parts(generator), 'What causes tides?', options);
    expect(generator.sources.map((s) => s.docId)).toEqual([corpus.docId('bread.txt')]);
    expect(a).toMatchObject({ answer: NO_ANSWER, citations: [], invalidCitations: [] });
  });

  test('maxContextTokens bounds the sources handed to the generator', async () => {
    const generator = new Recording(new ExtractiveGenerator());
    await ask(parts(generator), 'What causes tides?', { k: 6 });
    const all = generator.sources.length;
    expect(all).toBeGreaterThan(1);
    const [first] = generator.sources;
    // Exactly the first passage as context assembly writes it: its heading, then its text.
    const budget = embedder.countTokens(`[1] ${first!.title} (${first!.source})\n${first!.text}`);
    await ask(parts(generator), 'What causes tides?', { k: 6, maxContextTokens: budget });
    expect(generator.sources).toEqual([first]);
  });

  test('timings and usage are reported', async () => {
    const a = await ask(parts(), 'What causes tides?');
    const { retrieveMs, generateMs, totalMs } = a.timings;
    expect(retrieveMs).toBeGreaterThan(0);
    expect(generateMs).toBeGreaterThanOrEqual(0);
    expect(totalMs).toBeGreaterThanOrEqual(retrieveMs + generateMs);
    expect(a.usage.promptTokens).toBeGreaterThan(0);
    expect(a.usage.completionTokens).toBeGreaterThan(0);
  });

  test('a fired signal rejects with ABORTED before anything is retrieved', async () => {
    let calls = 0;
    const counting = Object.assign(Object.create(retriever), {
      retrieve: (q: string, o?: RetrieveOptions) => {
        calls++;
        return retriever.retrieve(q, o);
      },
    });
    const signal = AbortSignal.abort();
    await expectCode(ask(parts(undefined, { retriever: counting }), 'What causes tides?', { signal }), 'ABORTED');
    await expectCode(collect(askStream(parts(undefined, { retriever: counting }), 'tides', { signal })), 'ABORTED');
    expect(calls).toBe(0);
    await expectCode(ask(parts(), '  '), 'INVALID_ARGUMENT');
  });
});

describe('askStream', () => {
  test('yields tokens, then the citations, then done; the tokens join to the answer', async () => {
    const events = await collect(askStream(parts(), 'Do tides happen twice a day, and what causes them?'));
    const types = events.map((e) => e.type);
    const tokens = types.filter((t) => t === 'token').length;
    expect(tokens).toBeGreaterThan(0);
    expect(types).toEqual([...Array(tokens).fill('token'), 'citations', 'done']);
    const done = events.at(-1) as Extract<AskEvent, { type: 'done' }>;
    const citations = events.at(-2) as Extract<AskEvent, { type: 'citations' }>;
    expect(citations.citations).toEqual(done.answer.citations);
    const text = events.map((e) => (e.type === 'token' ? e.text : '')).join('');
    expect(text).toBe(done.answer.answer);
    expect(done.answer.citations[0]!.docId).toBe(corpus.docId('tides.txt'));
    expectExactOffsets(done.answer);
    const whole = await ask(parts(), 'Do tides happen twice a day, and what causes them?');
    expect({ ...done.answer, timings: null }).toEqual({ ...whole, timings: null });
  });

  test('streamed tokens never show an invalid citation, and join to the checked answer', async () => {
    const generator = new Scripted(['Tides follow the Moon [', '1][9', ']. Bread', ' rises [7]', '.']);
    const events = await collect(askStream(parts(generator), 'What causes tides?', { k: 2 }));
    const tokens = events.filter((e) => e.type === 'token').map((e) => e.text);
    expect(tokens.join('')).toBe('Tides follow the Moon [1]. Bread rises.');
    for (const t of tokens) expect(t).not.toMatch(/9|7/);
    const done = events.at(-1) as Extract<AskEvent, { type: 'done' }>;
    expect(done.answer).toMatchObject({ answer: tokens.join(''), invalidCitations: [9, 7] });
  });

  test('a signal fired mid-answer rejects with ABORTED', async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    await expectCode(async () => {
      for await (const e of askStream(parts(), 'Do tides happen twice a day, and what causes them?', {
        signal: controller.signal,
      })) {
        seen.push(e.type);
        controller.abort();
      }
    }, 'ABORTED');
    expect(seen).toEqual(['token']);
  });
});
