/**
 * HTML loader (`.html`, `.htm`): extracts the readable main text of a page. Content comes from <main> (or
 * [role=main]), else a lone <article>, else <body>; page chrome and non-text elements are dropped. Block
 * elements become line breaks, paragraphs and headings are separated by a blank line, entities are decoded,
 * whitespace runs collapse to one space, and <pre> keeps its whitespace. Title: <title>, else the first <h1>,
 * else the file name. node-html-parser is imported only here.
 */

import { type HTMLElement, type Node, NodeType, parse } from 'node-html-parser';
import type { LoadedDocument } from '../document.js';
import { assertText } from './binary.js';
import { buildDocument, fileTitle } from './build.js';
import type { Loader, SourceFile } from './loader.js';

/** Dropped with everything inside: scripts and page chrome (navigation, banners, sidebars, forms). */
const DROPPED = new Set(
  tags(
    'script style noscript template svg nav header footer aside form head iframe object canvas button select textarea',
  ),
);
/** Separated from their neighbours by a blank line. */
const PARAGRAPHS = new Set(
  tags('p h1 h2 h3 h4 h5 h6 blockquote ul ol dl table section article main figure hr address details fieldset'),
);
/** Start on a new line. */
const LINES = new Set(tags('div li dt dd tr caption figcaption summary legend thead tbody tfoot body html center'));
const CELLS = new Set(tags('td th'));

function tags(list: string): string[] {
  return list.split(' ');
}

/** Accumulates text with at most one pending break (1 = newline, 2 = blank line) and one pending space. */
class TextBuilder {
  private out = '';
  private pendingBreak = 0;
  private pendingSpace = false;

  inline(raw: string): void {
    const text = raw.replace(/\s+/g, ' ');
    if (text === '') return;
    if (text.startsWith(' ')) this.pendingSpace = true;
    const word = text.trim();
    if (word === '') return;
    this.flush();
    this.out += word;
    this.pendingSpace = text.endsWith(' ');
  }

  verbatim(text: string): void {
    if (text === '') return;
    this.flush();
    this.out += text;
    this.pendingSpace = false;
  }

  /** Writes `sep` between two pieces of content on the same line (table cells). */
  separator(sep: string): void {
    if (this.out !== '' && this.pendingBreak === 0 && !this.out.endsWith('\n')) {
      this.out += sep;
      this.pendingSpace = false;
    }
  }

  block(level: 1 | 2): void {
    this.pendingBreak = Math.max(this.pendingBreak, level);
    this.pendingSpace = false;
  }

  /** <br>: a newline, and a second <br> in a row makes a blank line. */
  lineBreak(): void {
    this.pendingBreak = this.pendingBreak > 0 ? 2 : 1;
    this.pendingSpace = false;
  }

  toString(): string {
    return this.out;
  }

  private flush(): void {
    if (this.out !== '' && this.pendingBreak > 0) this.out += '\n'.repeat(this.pendingBreak);
    else if (this.out !== '' && this.pendingSpace) this.out += ' ';
    this.pendingBreak = 0;
    this.pendingSpace = false;
  }
}

/** Extracts `{ title, text }` from an HTML string. Exported for tests and for callers holding HTML in memory. */
export function htmlToText(html: string, fallbackTitle: string): { title: string; text: string } {
  const root = parse(html, { comment: false, blockTextElements: { script: true, style: true, noscript: true } });
  const title =
    collapse(root.querySelector('title')?.text ?? '') ||
    collapse(root.querySelector('h1')?.text ?? '') ||
    fallbackTitle;
  const articles = root.querySelectorAll('article');
  const content =
    root.querySelector('main') ??
    root.querySelector('[role="main"]') ??
    (articles.length === 1 ? articles[0] : undefined) ??
    root.querySelector('body') ??
    root;
  const out = new TextBuilder();
  walk(content, out);
  return { title, text: out.toString() };
}

function walk(node: Node, out: TextBuilder): void {
  for (const child of node.childNodes) {
    if (child.nodeType === NodeType.TEXT_NODE) {
      out.inline(child.text);
      continue;
    }
    if (child.nodeType !== NodeType.ELEMENT_NODE) continue;
    const el = child as HTMLElement;
    const tag = el.rawTagName?.toLowerCase() ?? '';
    if (DROPPED.has(tag) || isHidden(el)) continue;
    if (tag === 'br') {
      out.lineBreak();
    } else if (tag === 'pre') {
      out.block(2);
      out.verbatim(preText(el));
      out.block(2);
    } else if (PARAGRAPHS.has(tag) || LINES.has(tag)) {
      const level = PARAGRAPHS.has(tag) ? 2 : 1;
      out.block(level);
      walk(el, out);
      out.block(level);
    } else if (CELLS.has(tag)) {
      out.separator(' | ');
      walk(el, out);
    } else {
      walk(el, out);
    }
  }
}

/** A <pre>'s text exactly as written: entities decoded, <br> as newline, minus the newline HTML ignores after <pre>. */
function preText(pre: HTMLElement): string {
  const collect = (node: Node): string => {
    let s = '';
    for (const child of node.childNodes) {
      if (child.nodeType === NodeType.TEXT_NODE) s += child.text;
      else if (child.nodeType === NodeType.ELEMENT_NODE) {
        const el = child as HTMLElement;
        const tag = el.rawTagName?.toLowerCase() ?? '';
        if (tag === 'br') s += '\n';
        else if (!DROPPED.has(tag)) s += collect(el);
      }
    }
    return s;
  };
  return collect(pre).replace(/^\n/, '').trimEnd();
}

function isHidden(el: HTMLElement): boolean {
  return el.hasAttribute('hidden') || el.getAttribute('aria-hidden') === 'true';
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export const htmlLoader: Loader = {
  type: 'html',
  extensions: ['.html', '.htm'],
  async load(file: SourceFile, bytes: Uint8Array): Promise<LoadedDocument[]> {
    const { title, text } = htmlToText(assertText(bytes, file), fileTitle(file.relPath));
    return [buildDocument(file, 'html', { title, text })];
  },
};
