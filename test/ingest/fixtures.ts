/**
 * A small, realistic source folder for ingestion tests: Markdown with headings, plain text, HTML and a JSONL
 * file of records, written fresh into a temp folder.
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const paragraph = (topic: string, n: number) =>
  Array.from(
    { length: n },
    (_, i) =>
      `${topic} sentence ${i} explains how ${topic} relates to vectors, segments, filters and the write-ahead log.`,
  ).join(' ');

export const FILES: Record<string, string> = {
  'guide/install.md': `# Install\n\n${paragraph('installation', 12)}\n\n## From npm\n\n${paragraph('npm', 20)}\n\n## From source\n\n\`\`\`sh\nnpm ci\nnpm test\n\`\`\`\n\n${paragraph('building', 8)}\n`,
  'guide/search.md': `---\ntitle: Searching\ntags: guide\n---\n# Search\n\n${paragraph('search', 30)}\n\n## Filters\n\n${paragraph('filters', 25)}\n`,
  'notes.txt': `${paragraph('notes', 40)}\n\n${paragraph('appendix', 10)}\n`,
  'site/index.html': `<html><head><title>Quiver home</title></head><body><nav>menu</nav><main><h1>Welcome</h1><p>${paragraph('home', 15)}</p></main><footer>foot</footer></body></html>`,
  'data/faq.jsonl': [
    { id: 'q1', title: 'What is HNSW?', text: paragraph('hnsw', 6) },
    { id: 'q2', title: 'What is BM25?', text: paragraph('bm25', 6) },
    { id: 'q3', title: 'What is a segment?', text: paragraph('segment', 6) },
  ]
    .map((r) => JSON.stringify(r))
    .join('\n'),
};

export async function writeSources(root: string, files: Record<string, string> = FILES): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(join(root, rel, '..'), { recursive: true });
    await writeFile(join(root, rel), content);
  }
}

export { paragraph };
