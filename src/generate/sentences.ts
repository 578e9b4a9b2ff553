/**
 * Sentence splitting with exact offsets, for the extractive generator: every sentence is `text.slice(start, end)`
 * of the text it came from, trimmed of surrounding whitespace, so a quoted sentence can be located in its source
 * and, through the source's own offsets, in its document. A rule-based splitter, not a model: a sentence ends at
 * `.`, `!` or `?` (with any closing quotes or brackets) followed by whitespace and something that can start a
 * sentence, at a blank line, and at a line break before a Markdown heading, list item or table row. Common
 * abbreviations ("e.g.", "et al.", "Fig.") and initials ("J. Smith") do not end a sentence. Markdown that is
 * not prose is kept whole and marked with its `kind`: a fenced code block is one span, and so is a table row or a
 * heading line, so an extractive answer can leave them out instead of quoting half a code block.
 */

export interface SentenceSpan {
  /** Offsets into the split text: `text === input.slice(start, end)`. */
  start: number;
  end: number;
  text: string;
  /** Set for spans that are not prose: a fenced code block, a table row or a heading line. */
  kind?: 'code' | 'table' | 'heading';
}

/** Words that end with a period without ending a sentence, lowercased and without the period. */
const ABBREVIATIONS = new Set([
  'al',
  'approx',
  'ca',
  'cf',
  'dr',
  'e.g',
  'eg',
  'eq',
  'etc',
  'fig',
  'figs',
  'i.e',
  'ie',
  'inc',
  'jr',
  'ltd',
  'mr',
  'mrs',
  'ms',
  'no',
  'nos',
  'p',
  'pp',
  'prof',
  'ref',
  'refs',
  'sr',
  'st',
  'vol',
  'vs',
]);

/** Sentence punctuation, then closing quotes or brackets, then whitespace: a candidate end. */
const END = /[.!?]+["'”’)\]]*(?=\s)/g;
/** What may open a sentence: an uppercase letter, a digit, an opening quote or bracket. */
const OPENER = /^\s+["'“‘([]*[\p{Lu}\p{Lt}\p{N}]/u;
/** A blank line, or a line break before a Markdown heading, list item, quote or table row. */
const BREAK = /\n[^\S\n]*\n\s*|\n(?=[^\S\n]*(?:#{1,6}\s|[-*+]\s|\d+[.)]\s|>|\|))/g;

/** A fenced code block (``` or ~~~), from its opening line to its closing fence or the end of the text. */
const FENCE = /^[^\S\n]*(`{3,}|~{3,})[^\n]*(?:\n[\s\S]*?(?:\n[^\S\n]*\1[^\S\n]*(?=\n|$))|[\s\S]*$)/gm;

/** The word before a period at `at`, lowercased, e.g. "e.g" for "e.g." or "al" for "et al.". */
function wordBefore(text: string, at: number): string {
  let i = at;
  while (i > 0 && /[\p{L}\p{N}.]/u.test(text[i - 1]!)) i--;
  return text.slice(i, at).toLowerCase();
}

function isAbbreviation(text: string, match: RegExpExecArray): boolean {
  if (!match[0].startsWith('.') || match[0].startsWith('..')) return false;
  const word = wordBefore(text, match.index);
  // A single capital letter is an initial ("J. Smith"); a lowercase one-letter word is not a sentence.
  if (/^\p{Lu}$/u.test(text.slice(match.index - 1, match.index)) && word.length === 1) return true;
  return ABBREVIATIONS.has(word);
}

/** Pushes the trimmed [from, to) of `text`, if anything is left of it. */
function pushTrimmed(out: SentenceSpan[], text: string, from: number, to: number): void {
  let a = from;
  let b = to;
  while (a < b && /\s/.test(text[a]!)) a++;
  while (b > a && /\s/.test(text[b - 1]!)) b--;
  if (b > a) out.push({ start: a, end: b, text: text.slice(a, b) });
}

/**
 * The sentences of `text`, in order, with their offsets.
 *
 * @example
 * splitSentences('Cats groom. Dogs fetch, e.g. sticks.');
 * // [{ start: 0, end: 11, text: 'Cats groom.' }, { start: 12, end: 36, text: 'Dogs fetch, e.g. sticks.' }]
 */
export function splitSentences(text: string): SentenceSpan[] {
  const out: SentenceSpan[] = [];
  let from = 0;
  for (const m of text.matchAll(FENCE)) {
    splitProse(out, text, from, m.index);
    const before = out.length;
    pushTrimmed(out, text, m.index, m.index + m[0].length);
    if (out.length > before) out[out.length - 1]!.kind = 'code';
    from = m.index + m[0].length;
  }
  splitProse(out, text, from, text.length);
  return out;
}

/** Splits `text[from, to)`, which holds no code fence, into sentences, table rows and headings. */
function splitProse(out: SentenceSpan[], text: string, from: number, to: number): void {
  if (to <= from) return;
  const part = text.slice(from, to);
  const cuts = new Set<number>();
  for (const m of part.matchAll(BREAK)) cuts.add(m.index);
  // A heading or table row ends at its line break.
  for (const m of part.matchAll(/^[^\S\n]*(?:#{1,6}\s|\|)[^\n]*/gm)) cuts.add(m.index + m[0].length);
  for (const m of part.matchAll(END)) {
    const after = m.index + m[0].length;
    if (!OPENER.test(part.slice(after, after + 64)) || isAbbreviation(part, m)) continue;
    cuts.add(after);
  }
  let at = 0;
  const push = (a: number, b: number) => {
    const before = out.length;
    pushTrimmed(out, text, from + a, from + b);
    if (out.length === before) return;
    const span = out[out.length - 1]!;
    if (/^#{1,6}\s/.test(span.text)) span.kind = 'heading';
    else if (span.text.startsWith('|')) span.kind = 'table';
  };
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    push(at, cut);
    at = cut;
  }
  push(at, part.length);
}
