/**
 * The README's library example (examples/quickstart.ts) runs and prints what the README says it does.
 */

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { TEST_MODEL_DIR } from './helpers/model.js';
import { tempFolder } from './helpers/store.js';

test('examples/quickstart.ts runs end to end', () => {
  const folder = tempFolder();
  try {
    const script = fileURLToPath(new URL('../examples/quickstart.ts', import.meta.url));
    const out = execFileSync(process.execPath, ['--import', 'tsx', script, `${folder.path}/store`], {
      encoding: 'utf8',
    });
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^hnsw {2}score=0\.99\d/);
    expect(lines[1]).toMatch(/^ivf {2}score=/);
    expect(out).toContain("[ { id: 'hnsw', year: 2016 } ]");
    expect(out).toMatch(/FILTER_SYNTAX: unexpected ">" at position 6/);
    expect(out).toContain('after reopen: 3 rows');
  } finally {
    folder.remove();
  }
});

test('examples/ingest-docs.ts ingests docs/, searches it with sources, and re-runs as a no-op', () => {
  const folder = tempFolder();
  try {
    const script = fileURLToPath(new URL('../examples/ingest-docs.ts', import.meta.url));
    const out = execFileSync(process.execPath, ['--import', 'tsx', script, `${folder.path}/store`, 'docs'], {
      encoding: 'utf8',
      env: { ...process.env, QUIVER_MODEL_DIR: TEST_MODEL_DIR },
    });
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^first run: [1-9]\d* changed files, [1-9]\d* chunks written$/);
    // Three hits, each with its file, heading path and character range.
    for (const line of lines.slice(1, 4)) expect(line).toMatch(/^0\.\d{3} docs\/[\w-]+\.md › .+ \[\d+–\d+\]$/);
    expect(lines[4]).toBe('second run: 0 changed files, 0 chunks written');
  } finally {
    folder.remove();
  }
});

test('examples/retrieve.ts retrieves with hybrid search under a filter and assembles a cited context', () => {
  const folder = tempFolder();
  try {
    const script = fileURLToPath(new URL('../examples/retrieve.ts', import.meta.url));
    const out = execFileSync(process.execPath, ['--import', 'tsx', script, `${folder.path}/store`, 'docs'], {
      encoding: 'utf8',
      env: { ...process.env, QUIVER_MODEL_DIR: TEST_MODEL_DIR },
    });
    const lines = out.trim().split('\n');
    // The question is about text_match, which only docs/filter-language.md describes in full.
    expect(lines[0]).toMatch(/^\d\.\d{3} docs\/filter-language\.md #\d+ \(dense 0\.\d\d, bm25 \d+\.\d\d\)$/);
    for (const line of lines.slice(1, 4)) expect(line).toMatch(/^\d\.\d{3} docs\/[\w-]+\.md #\d+ \(.*bm25.*\)$/);
    const [, passages, tokens] = /^context: (\d+) passages, (\d+) tokens$/.exec(lines[4]!)!;
    expect(Number(passages)).toBeGreaterThan(0);
    expect(Number(tokens)).toBeLessThanOrEqual(1500);
    expect(lines[5]).toMatch(/^\[1\] .+ \(docs\/filter-language\.md\)$/);
  } finally {
    folder.remove();
  }
});

test('examples/langchain.ts runs Quiver as a LangChain vector store and retriever inside an LCEL chain', () => {
  const folder = tempFolder();
  try {
    const script = fileURLToPath(new URL('../examples/langchain.ts', import.meta.url));
    const run = () =>
      execFileSync(process.execPath, ['--import', 'tsx', script, `${folder.path}/store`], {
        encoding: 'utf8',
        env: { ...process.env, QUIVER_MODEL_DIR: TEST_MODEL_DIR },
      });
    const out = run();
    expect(out).toMatch(/^top hit: store \(0\.\d{3}\)$/m);
    // The fake model echoes its prompt: the two documents the filter allows, and nothing else.
    const context = out.slice(out.indexOf('Context:'));
    expect(context).toContain('Hybrid search fuses BM25 with dense vectors.');
    expect(context).toContain('keeps its data in one folder');
    expect(context).not.toContain('Milvus-style');
    expect(out).toContain('Question: How does Quiver search?');
    expect(run()).toBe(out); // stable ids: a second run overwrites, so it answers the same
  } finally {
    folder.remove();
  }
});

test('examples/ask.ts answers from docs/ with citations whose quotes slice out of their files', () => {
  const folder = tempFolder();
  try {
    const script = fileURLToPath(new URL('../examples/ask.ts', import.meta.url));
    const out = execFileSync(process.execPath, ['--import', 'tsx', script, `${folder.path}/store`, 'docs'], {
      encoding: 'utf8',
      env: { ...process.env, QUIVER_MODEL_DIR: TEST_MODEL_DIR },
    });
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/\[1\]/);
    const quotes = lines.filter((l) => /^\[\d+\] docs\//.test(l));
    expect(quotes.length).toBeGreaterThan(0);
    for (const line of quotes) {
      const [, file, start, end, json] = /^\[\d+\] (\S+) \[(\d+)–(\d+)\] (".*")$/.exec(line)!;
      const text = JSON.parse(json!) as string;
      expect(readFileSync(file!, 'utf8').slice(Number(start), Number(end))).toBe(text);
      // The answer quotes it, its line breaks folded into spaces.
      expect(lines[0]).toContain(text.replace(/\s+/g, ' '));
    }
    expect(lines.at(-1)).toMatch(/^retrieved in \d+ ms$/);
  } finally {
    folder.remove();
  }
});
