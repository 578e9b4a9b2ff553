/**
 * The Markdown splitter: cut the document into sections at its headings, then split each section like
 * `splitRecursive` does, so no chunk spans two sections and every chunk knows its heading path. A fenced
 * code block that fits in `chunkSize` is kept whole (it becomes one piece for the merge step); one that does
 * not is split at blank lines, then lines, then spaces, never at sentence-like ". ".
 */

import type { Chunk } from './chunk.js';
import { scanMarkdown } from './markdown-structure.js';
import { mergePieces } from './merge.js';
import { resolveSplitOptions, type SplitOptions, type SplitSettings } from './options.js';
import { collectPieces, PieceList } from './pieces.js';
import type { Range } from './ranges.js';

/**
 * Separators for the text inside a section. Headings already bound the sections, so paragraphs come first.
 */
export const MARKDOWN_SEPARATORS: readonly string[] = Object.freeze(['\n\n', '\n', '. ', ' ', '']);
/** Separators for a fenced code block too long for one chunk. */
const CODE_SEPARATORS: readonly string[] = Object.freeze(['\n\n', '\n', ' ', '']);

interface Section {
  start: number;
  end: number;
  headings: string[];
}

/** Sections in order, each with the heading path in force inside it (outermost first). */
function sections(text: string, headings: ReturnType<typeof scanMarkdown>['headings']): Section[] {
  const out: Section[] = [];
  const first = headings[0]?.offset ?? text.length;
  if (first > 0) out.push({ start: 0, end: first, headings: [] });
  const stack: { level: number; text: string }[] = [];
  headings.forEach((h, i) => {
    while (stack.length > 0 && stack[stack.length - 1]!.level >= h.level) stack.pop();
    stack.push({ level: h.level, text: h.text });
    const end = headings[i + 1]?.offset ?? text.length;
    out.push({ start: h.offset, end, headings: stack.map((s) => s.text) });
  });
  return out;
}

/** Pieces of one section: prose between fences with the prose separators, each fence on its own. */
function sectionPieces(
  text: string,
  section: Section,
  fences: Range[],
  fenceIndex: number,
  settings: SplitSettings,
): { pieces: PieceList; nextFence: number } {
  const pieces = new PieceList();
  const code: SplitSettings = { ...settings, separators: CODE_SEPARATORS };
  let cursor = section.start;
  let f = fenceIndex;
  for (; f < fences.length && fences[f]!.start < section.end; f++) {
    const fence = fences[f]!;
    collectPieces(text, cursor, fence.start, settings, pieces);
    collectPieces(text, fence.start, fence.end, code, pieces);
    cursor = fence.end;
  }
  collectPieces(text, cursor, section.end, settings, pieces);
  return { pieces, nextFence: f };
}

/**
 * Splits Markdown into chunks that never cross a heading; each chunk's `headings` is the path of headings in
 * force where it starts (`[]` before the first heading). Offsets index into `text` as given. Size, overlap
 * and the exception for single oversized characters are as for `splitRecursive`; `separators` replaces
 * `MARKDOWN_SEPARATORS` for text outside code fences.
 * @example
 * splitMarkdown('# Install\n\n## From npm\n\nRun `npm i quiver`.', { chunkSize: 200 })[1]!.headings; // ['Install', 'From npm']
 */
export function splitMarkdown(text: string, options: SplitOptions): Chunk[] {
  const settings = resolveSplitOptions(text, options, MARKDOWN_SEPARATORS);
  const { headings, fences } = scanMarkdown(text);
  const chunks: Chunk[] = [];
  let fenceIndex = 0;
  for (const section of sections(text, headings)) {
    const { pieces, nextFence } = sectionPieces(text, section, fences, fenceIndex, settings);
    fenceIndex = nextFence;
    for (const r of mergePieces(text, pieces, settings)) {
      chunks.push({
        index: chunks.length,
        text: text.slice(r.start, r.end),
        start: r.start,
        end: r.end,
        headings: [...section.headings],
      });
    }
  }
  return chunks;
}
