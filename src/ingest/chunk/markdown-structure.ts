/**
 * A line scanner for the two Markdown structures the markdown splitter needs: headings (ATX `#`..`######`
 * and setext `===`/`---` underlines) and fenced code blocks (``` and ~~~), following CommonMark's rules
 * closely enough for chunking. Lines inside a fence are never headings. It does not build a syntax tree:
 * lists and block quotes only matter here because a `---` under them is a thematic break, not a heading.
 * Front matter is not recognised; the markdown loader strips it before chunking.
 */

import type { Range } from './ranges.js';

export interface MarkdownHeading {
  /** Where the heading's section starts: its line, or for a setext heading the first line of its text. */
  offset: number;
  level: number;
  /** The heading's text without `#`s, closing sequence or underline; setext lines joined by spaces. */
  text: string;
}

export interface MarkdownStructure {
  headings: MarkdownHeading[];
  /** Each fenced code block from the start of its opening line to the end of its closing line (or the text). */
  fences: Range[];
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const FENCE_CLOSE = /^ {0,3}(`{3,}|~{3,})[ \t]*$/;
const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*))?$/;
const ATX_CLOSING = /(?:^|[ \t]+)#+$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const THEMATIC_BREAK = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
// A list item or block quote: what follows it up to a blank line is its content, not a paragraph of ours.
const CONTAINER = /^ {0,3}(?:>|[-+*](?:[ \t]|$)|\d{1,9}[.)](?:[ \t]|$))/;
// Of those, the ones that may interrupt a paragraph (an ordered list only when it starts at 1).
const INTERRUPTS = /^ {0,3}(?:>|[-+*][ \t]+\S|1[.)][ \t]+\S)/;
const INDENTED_CODE = /^(?: {4}|\t)/;

/** Finds the headings and fenced code blocks of `text`, in order. */
export function scanMarkdown(text: string): MarkdownStructure {
  const headings: MarkdownHeading[] = [];
  const fences: Range[] = [];
  let fence: { char: string; size: number; start: number } | null = null;
  let paragraph: { start: number; lines: string[] } | null = null;
  let inContainer = false;

  for (let lineStart = 0; lineStart <= text.length; ) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline === -1 ? text.length : newline;
    const line = text.slice(lineStart, text.charCodeAt(lineEnd - 1) === 13 ? lineEnd - 1 : lineEnd);
    const next = newline === -1 ? text.length + 1 : newline + 1;

    if (fence !== null) {
      const close = FENCE_CLOSE.exec(line)?.[1];
      if (close !== undefined && close[0] === fence.char && close.length >= fence.size) {
        fences.push({ start: fence.start, end: lineEnd });
        fence = null;
      }
      lineStart = next;
      continue;
    }

    const open = FENCE_OPEN.exec(line);
    // A backtick fence's info string may not contain a backtick (that line is inline code instead).
    if (open && !(open[1]![0] === '`' && open[2]!.includes('`'))) {
      fence = { char: open[1]![0]!, size: open[1]!.length, start: lineStart };
      paragraph = null;
      lineStart = next;
      continue;
    }

    const atx = ATX.exec(line);
    const setext = SETEXT.exec(line);
    if (atx) {
      const content = (atx[2] ?? '').trim().replace(ATX_CLOSING, '').trim();
      headings.push({ offset: lineStart, level: atx[1]!.length, text: content });
      paragraph = null;
      inContainer = false;
    } else if (setext && paragraph !== null) {
      const content = paragraph.lines.map((l) => l.trim()).join(' ');
      headings.push({ offset: paragraph.start, level: setext[1]![0] === '=' ? 1 : 2, text: content });
      paragraph = null;
    } else if (line.trim() === '') {
      paragraph = null;
      inContainer = false;
    } else if (THEMATIC_BREAK.test(line)) {
      paragraph = null;
    } else if (CONTAINER.test(line) && (paragraph === null || INTERRUPTS.test(line))) {
      paragraph = null;
      inContainer = true;
    } else if (paragraph !== null) {
      paragraph.lines.push(line);
    } else if (!inContainer && !INDENTED_CODE.test(line)) {
      paragraph = { start: lineStart, lines: [line] };
    }
    lineStart = next;
  }
  if (fence !== null) fences.push({ start: fence.start, end: text.length });
  return { headings, fences };
}
