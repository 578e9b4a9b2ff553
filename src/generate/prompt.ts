/**
 * The prompt chat generators send: a system message that says to answer only from the numbered sources and to
 * cite them as [n], and a user message with the sources, each headed by its number, title and source, then the
 * question. Sources come in rank order and are dropped from the end until the prompt fits its token budget, so
 * the best evidence is what survives; when even the first alone is too long, it is cut at a word boundary
 * (its `end` offset moves with it).
 */

import { QuiverError } from '../errors.js';
import type { Source } from './generator.js';

/** The system message: answer from the sources only, cite each claim, and admit when the answer is not there. */
export const SYSTEM_PROMPT = [
  'You answer questions using only the numbered sources in the user message.',
  'After each sentence that uses a source, cite it with its number in square brackets, like [1] or [1][3].',
  'Cite only numbers of sources you were given.',
  'If the sources do not contain the answer, say that you could not find it in the sources; do not guess.',
].join(' ');

export interface BuildPromptOptions {
  question: string;
  /** Numbered sources, best first. */
  sources: readonly Source[];
  /** Most tokens the system and user messages may take together: the model's context less room for the answer. */
  maxPromptTokens: number;
  /** The model's tokenizer, when known. Default: whitespace words × 1.3, rounded up, per message. */
  countTokens?: (text: string) => number;
  /** Replaces `SYSTEM_PROMPT`. */
  system?: string;
}

export interface Prompt {
  system: string;
  user: string;
  /** The sources the user message holds: a prefix of those given, the last possibly shortened. */
  sources: Source[];
  /** Tokens of `system` plus `user`. */
  tokens: number;
}

/** The same estimate as the retrieve area's `estimateTokens`, repeated here so generate needs nothing of it at run time. */
function approxTokens(text: string): number {
  const words = text.split(/\s+/).filter((w) => w !== '').length;
  return Math.ceil(words * 1.3);
}

function sourceBlock(s: Source): string {
  const head = s.title && s.source ? `${s.title} (${s.source})` : s.title || s.source || s.docId;
  return `[${s.n}] ${head}\n${s.text}`;
}

function userMessage(question: string, sources: readonly Source[]): string {
  const blocks = sources.length > 0 ? sources.map(sourceBlock).join('\n\n') : '(none)';
  return `Sources:\n\n${blocks}\n\nQuestion: ${question}`;
}

/** `s` cut to its first `chars` characters, backed up to a word boundary; its `end` offset follows. */
function shortened(s: Source, chars: number): Source {
  let cut = chars;
  while (cut > 0 && !/\s/.test(s.text[cut] ?? ' ')) cut--;
  const text = s.text.slice(0, cut).trimEnd();
  return { ...s, text, ...(s.start !== undefined ? { end: s.start + text.length } : {}) };
}

/**
 * Builds the chat prompt within `maxPromptTokens`. Throws INVALID_ARGUMENT when the instructions and question
 * alone do not fit.
 *
 * @example
 * const prompt = buildPrompt({ question, sources, maxPromptTokens: 3000, countTokens: (t) => tokenizer.count(t) });
 * messages = [{ role: 'system', content: prompt.system }, { role: 'user', content: prompt.user }];
 */
export function buildPrompt(options: BuildPromptOptions): Prompt {
  const { question, maxPromptTokens } = options;
  const count = options.countTokens ?? approxTokens;
  const system = options.system ?? SYSTEM_PROMPT;
  if (!Number.isFinite(maxPromptTokens) || maxPromptTokens < 1) {
    throw new QuiverError('INVALID_ARGUMENT', `maxPromptTokens must be a positive number; got ${maxPromptTokens}`, {
      field: 'maxPromptTokens',
    });
  }
  const systemTokens = count(system);
  const build = (sources: Source[]): Prompt => {
    const user = userMessage(question, sources);
    return { system, user, sources, tokens: systemTokens + count(user) };
  };

  let sources = [...options.sources];
  let prompt = build(sources);
  while (prompt.tokens > maxPromptTokens && sources.length > 1) {
    sources = sources.slice(0, -1);
    prompt = build(sources);
  }
  if (prompt.tokens <= maxPromptTokens) return prompt;

  const bare = build([]);
  if (bare.tokens > maxPromptTokens) {
    throw new QuiverError(
      'INVALID_ARGUMENT',
      `the instructions and question take ${bare.tokens} tokens, more than maxPromptTokens (${maxPromptTokens})`,
      { field: 'maxPromptTokens', expected: maxPromptTokens, received: bare.tokens },
    );
  }
  // Only the first source is left and it is too long: keep the longest prefix that fits (binary search on length).
  const first = sources[0]!;
  let lo = 0;
  let hi = first.text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (build([shortened(first, mid)]).tokens <= maxPromptTokens) lo = mid;
    else hi = mid - 1;
  }
  const cut = shortened(first, lo);
  return cut.text === '' ? bare : build([cut]);
}
