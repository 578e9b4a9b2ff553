/**
 * Markdown loader (`.md`, `.markdown`, `.mdx`). Strips a leading YAML front-matter block and copies its scalar
 * values into metadata; the body stays raw markdown because the markdown chunker reads its headings later.
 * Title: front matter `title`, else the first ATX `# ` heading outside code fences, else the file name.
 */

import { parse as parseYaml } from 'yaml';
import { QuiverError } from '../../errors.js';
import type { LoadedDocument } from '../document.js';
import { assertText, normalizeNewlines } from './binary.js';
import { asScalar, buildDocument, fileTitle, type Metadata } from './build.js';
import type { Loader, SourceFile } from './loader.js';

/** `---` on the first line, the YAML, then `---` (or YAML's `...`) on a line of its own. */
const FRONT_MATTER = /^---[ \t]*\n(?:([\s\S]*?)\n)?(?:---|\.\.\.)[ \t]*(?:\n|$)/;
const ATX_H1 = /^ {0,3}#[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

export interface FrontMatter {
  /** Scalar front-matter values; nested maps and lists are left out. */
  metadata: Metadata;
  /** The text after the front-matter block (the whole text when there is none). */
  body: string;
}

/** Splits off front matter. A leading `---` block that is not a YAML mapping is a thematic break, not front matter. */
export function splitFrontMatter(text: string, file: SourceFile): FrontMatter {
  const match = FRONT_MATTER.exec(text);
  if (!match) return { metadata: {}, body: text };
  let data: unknown;
  try {
    data = parseYaml(match[1] ?? '', { logLevel: 'error' });
  } catch (err) {
    const line = yamlErrorLine(err);
    throw new QuiverError(
      'MALFORMED_FILE',
      `${file.relPath}: front matter is not valid YAML${line ? ` (line ${line})` : ''}: ${(err as Error).message}`,
      { file: file.relPath, ...(line ? { line } : {}) },
      { cause: err },
    );
  }
  if (data === null || data === undefined) return { metadata: {}, body: text.slice(match[0].length) };
  if (typeof data !== 'object' || Array.isArray(data)) return { metadata: {}, body: text };
  const metadata: Metadata = {};
  for (const [key, value] of Object.entries(data)) {
    const scalar = asScalar(value);
    if (scalar !== undefined) metadata[key] = scalar;
  }
  return { metadata, body: text.slice(match[0].length) };
}

/** The text of the first level-1 ATX heading, skipping fenced code blocks (where `#` starts a shell comment). */
export function firstHeading(markdown: string): string | undefined {
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const marker = FENCE.exec(line)?.[1];
    if (fence !== undefined) {
      // A fence closes with the same character, at least as long as the opener.
      if (marker && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker)
        fence = undefined;
      continue;
    }
    if (marker) {
      fence = marker;
      continue;
    }
    const heading = ATX_H1.exec(line)?.[1]?.trim();
    if (heading) return heading;
  }
  return undefined;
}

export const markdownLoader: Loader = {
  type: 'markdown',
  extensions: ['.md', '.markdown', '.mdx'],
  async load(file: SourceFile, bytes: Uint8Array): Promise<LoadedDocument[]> {
    const text = normalizeNewlines(assertText(bytes, file));
    const { metadata, body } = splitFrontMatter(text, file);
    const fmTitle = metadata.title !== undefined ? String(metadata.title).trim() : '';
    const title = fmTitle || firstHeading(body) || fileTitle(file.relPath);
    return [buildDocument(file, 'markdown', { title, text: body, metadata })];
  },
};

/** yaml's errors carry `linePos`; +1 because the opening `---` is line 1 of the file. */
function yamlErrorLine(err: unknown): number | undefined {
  const pos = (err as { linePos?: Array<{ line: number }> }).linePos?.[0]?.line;
  return typeof pos === 'number' ? pos + 1 : undefined;
}
