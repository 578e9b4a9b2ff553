/**
 * `splitMarkdown` by example: heading paths (nested, reset by a same- or higher-level heading, setext),
 * headings inside code fences ignored, fences kept whole when they fit, offsets into the original text
 * (CRLF included), and the line scanner's CommonMark edge cases.
 */

import { describe, expect, it } from 'vitest';
import { splitMarkdown } from '../../../src/ingest/chunk/index.js';
import { scanMarkdown } from '../../../src/ingest/chunk/markdown-structure.js';

const summary = (text: string, chunkSize = 500) =>
  splitMarkdown(text, { chunkSize }).map((c) => ({ text: c.text, headings: c.headings }));

describe('splitMarkdown', () => {
  it('records the heading path in force at each chunk, outermost first', () => {
    const doc = [
      'Preamble.',
      '# Guide',
      'Intro.',
      '## Install',
      'Steps.',
      '### From npm',
      'npm i.',
      '## Usage',
      'Use it.',
      '# Appendix',
      'More.',
    ].join('\n\n');
    expect(summary(doc)).toEqual([
      { text: 'Preamble.', headings: [] },
      { text: '# Guide\n\nIntro.', headings: ['Guide'] },
      { text: '## Install\n\nSteps.', headings: ['Guide', 'Install'] },
      { text: '### From npm\n\nnpm i.', headings: ['Guide', 'Install', 'From npm'] },
      // A same-level heading replaces its sibling and drops everything below it.
      { text: '## Usage\n\nUse it.', headings: ['Guide', 'Usage'] },
      { text: '# Appendix\n\nMore.', headings: ['Appendix'] },
    ]);
  });

  it('handles skipped levels, closing #s, indentation and empty headings', () => {
    const doc = '# A\n\n### C ###\n\ntext\n\n   ## B #\n\nb\n\n#\n\nempty\n\n#hashtag is not a heading';
    expect(summary(doc)).toEqual([
      { text: '# A', headings: ['A'] },
      { text: '### C ###\n\ntext', headings: ['A', 'C'] },
      { text: '## B #\n\nb', headings: ['A', 'B'] },
      { text: '#\n\nempty\n\n#hashtag is not a heading', headings: [''] },
    ]);
  });

  it('recognises setext headings, and --- under nothing as a thematic break', () => {
    const doc = 'Title\n=====\n\nBody text.\n\nSection\nspans two lines\n---\n\nMore.\n\n---\n\nAfter the rule.';
    expect(summary(doc)).toEqual([
      { text: 'Title\n=====\n\nBody text.', headings: ['Title'] },
      {
        text: 'Section\nspans two lines\n---\n\nMore.\n\n---\n\nAfter the rule.',
        headings: ['Title', 'Section spans two lines'],
      },
    ]);
  });

  it('does not treat --- under a list item or block quote as a heading', () => {
    expect(scanMarkdown('- item\n---\n\n> quote\n---\n\n10. ten\n---').headings).toEqual([]);
    // "2020. was" cannot interrupt a paragraph as a list, so the paragraph gets the underline.
    expect(scanMarkdown('Text\n2020. was a year\n---').headings).toEqual([
      { offset: 0, level: 2, text: 'Text 2020. was a year' },
    ]);
  });

  it('ignores headings inside ``` and ~~~ fences, and an unclosed fence runs to the end', () => {
    const doc = [
      '# Real',
      '```sh',
      '# a shell comment',
      'Not a heading',
      '---',
      '````',
      '~~~',
      '## also not',
      '~~~~',
      '## Second',
      '```',
      '# inside an unclosed fence',
    ].join('\n');
    const { headings, fences } = scanMarkdown(doc);
    expect(headings.map((h) => h.text)).toEqual(['Real', 'Second']);
    expect(fences.map((f) => doc.slice(f.start, f.end))).toEqual([
      '```sh\n# a shell comment\nNot a heading\n---\n````',
      '~~~\n## also not\n~~~~',
      '```\n# inside an unclosed fence',
    ]);
  });

  it('keeps a fenced block whole when it fits, even across blank lines', () => {
    const code = '```py\ndef f():\n\n    return 1\n\n\nprint(f())\n```';
    const doc = `# Code\n\nSome intro words here.\n\n${code}\n\nAfter.`;
    const chunks = splitMarkdown(doc, { chunkSize: code.length });
    expect(chunks.map((c) => c.text)).toContain(code);
    for (const c of chunks) expect(c.headings).toEqual(['Code']);
  });

  it('splits a fence that does not fit at blank lines and lines', () => {
    const lines = Array.from({ length: 12 }, (_, i) => `line ${i} of code`);
    const doc = `\`\`\`\n${lines.join('\n')}\n\`\`\``;
    const chunks = splitMarkdown(doc, { chunkSize: 40 });
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) {
      expect(c.text.length).toBeLessThanOrEqual(40);
      // Cut at line ends only: no line of code is broken.
      for (const line of c.text.split('\n')) expect(['```', ...lines]).toContain(line);
    }
  });

  it('gives offsets into the original text, CRLF line ends included', () => {
    const doc = 'Intro\r\n\r\n# One\r\nalpha\r\n\r\n## Two\r\nbeta\r\n```\r\n# no\r\n```\r\n';
    const chunks = splitMarkdown(doc, { chunkSize: 100 });
    expect(chunks.map((c) => [c.text, c.headings])).toEqual([
      ['Intro', []],
      ['# One\r\nalpha', ['One']],
      ['## Two\r\nbeta\r\n```\r\n# no\r\n```', ['One', 'Two']],
    ]);
    for (const c of chunks) expect(doc.slice(c.start, c.end)).toBe(c.text);
  });

  it('never merges across sections, and overlaps only within one', () => {
    const doc = '# A\n\none two three four\n\n# B\n\nfive six';
    const chunks = splitMarkdown(doc, { chunkSize: 14, chunkOverlap: 5 });
    expect(chunks.map((c) => [c.text, c.headings])).toEqual([
      ['# A\n\none two', ['A']],
      ['two three four', ['A']],
      ['# B\n\nfive six', ['B']],
    ]);
  });

  it('uses custom separators for text outside fences', () => {
    const doc = 'alpha beta;gamma delta';
    // Only ';' is tried (not spaces), and it stays with the text before it.
    expect(splitMarkdown(doc, { chunkSize: 12, separators: [';'] }).map((c) => c.text)).toEqual([
      'alpha beta;',
      'gamma delta',
    ]);
    expect(splitMarkdown(doc, { chunkSize: 12 }).map((c) => c.text)).toEqual(['alpha', 'beta;gamma', 'delta']);
  });
});
