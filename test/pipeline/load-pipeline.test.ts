/**
 * Pipeline files: the bundled ones validate, defaults fill in, and every kind of mistake is a CONFIG_INVALID
 * error that names the file, the line and column, and the key path.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { QuiverError } from '../../src/errors.js';
import { DEFAULT_PIPELINE, loadPipeline, parsePipeline } from '../../src/pipeline/load-pipeline.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quiver-pipeline-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function configError(source: string, file = 'p.yaml'): QuiverError {
  try {
    parsePipeline(source, file);
  } catch (err) {
    expect(err).toBeInstanceOf(QuiverError);
    expect((err as QuiverError).code).toBe('CONFIG_INVALID');
    return err as QuiverError;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('bundled pipelines', () => {
  test.each(['default.yaml', 'docs.yaml', 'beir.yaml'])('%s is valid', async (name) => {
    const config = await loadPipeline(join('pipelines', name));
    expect(config.version).toBe(1);
    expect(config.chunker.chunkOverlap).toBeLessThan(config.chunker.chunkSize);
  });

  test('the default pipeline is found without naming it', async () => {
    const config = await loadPipeline();
    expect(DEFAULT_PIPELINE.endsWith(join('pipelines', 'default.yaml'))).toBe(true);
    expect(config).toMatchObject({
      store: { path: '.quiver' },
      collection: { name: 'docs' },
      embedder: { provider: 'default' },
      chunker: { splitter: 'auto', unit: 'tokens', chunkSize: 200, chunkOverlap: 30 },
      ingest: { batchSize: 128, prune: false },
    });
  });

  test('the BEIR pipeline maps BEIR fields', async () => {
    expect((await loadPipeline('pipelines/beir.yaml')).loader.json).toEqual({ preset: 'beir' });
  });
});

describe('defaults', () => {
  test('an empty file is the default pipeline', () => {
    expect(parsePipeline('')).toEqual(parsePipeline('version: 1'));
    expect(parsePipeline('{}').collection.name).toBe('docs');
  });

  test('retrieval and generation default to hybrid search and the offline extractive generator', () => {
    const config = parsePipeline('');
    expect(config.retrieve).toEqual({ k: 5, mode: 'hybrid', neighbours: 1, maxContextTokens: 1500 });
    expect(config.generator).toEqual({ provider: 'extractive' });
    const openai = parsePipeline('generator: { provider: openai, baseUrl: "http://localhost:11434/v1", model: m }');
    expect(openai.generator).toEqual({ provider: 'openai', baseUrl: 'http://localhost:11434/v1', model: 'm' });
    expect(configError('generator: { provider: openai, model: m }').message).toMatch(/generator\.baseUrl/);
    expect(configError('retrieve: { mode: sparse }').message).toMatch(/retrieve\.mode/);
  });

  test('JSON is accepted', () => {
    const config = parsePipeline('{"collection": {"name": "kb"}, "chunker": {"chunkSize": 500, "unit": "chars"}}');
    expect(config.collection.name).toBe('kb');
    expect(config.chunker).toMatchObject({ chunkSize: 500, unit: 'chars', chunkOverlap: 30 });
  });
});

describe('errors point at the bad key', () => {
  test('a misspelt key, with its line and column', () => {
    const err = configError('version: 1\nchunker:\n  chunkSzie: 100\n');
    expect(err.details).toMatchObject({ file: 'p.yaml', line: 3, column: 3, path: 'chunker.chunkSzie' });
    expect(err.message).toContain('p.yaml:3:3: chunker.chunkSzie: unknown key "chunkSzie"');
  });

  test('an unknown top-level key lists the valid ones', () => {
    const err = configError('colection:\n  name: x\n');
    expect(err.message).toMatch(/colection.*top-level keys: version, store, collection/);
  });

  test('a value of the wrong type points at the value', () => {
    const err = configError('chunker:\n  chunkSize: "big"\n');
    expect(err.details).toMatchObject({ line: 2, column: 14, path: 'chunker.chunkSize' });
  });

  test('a constraint across keys names the key it blames', () => {
    const err = configError('chunker:\n  chunkSize: 50\n  chunkOverlap: 60\n');
    expect(err.details.path).toBe('chunker.chunkOverlap');
    expect(err.message).toContain('chunkOverlap must be less than chunkSize');
  });

  test('an unknown embedder provider', () => {
    const err = configError('embedder:\n  provider: cohere\n');
    expect(err.details.path).toBe('embedder.provider');
  });

  test('an invalid collection name', () => {
    expect(configError('collection: { name: "1 bad" }').details.path).toBe('collection.name');
  });

  test('several problems are all reported', () => {
    const err = configError('chunker:\n  chunkSize: 0\n  unit: lines\ningest:\n  prune: maybe\n');
    const problems = err.details.problems as { path: string }[];
    expect(problems.map((p) => p.path).sort()).toEqual(['chunker.chunkSize', 'chunker.unit', 'ingest.prune']);
  });

  test('YAML syntax errors carry a position', () => {
    const err = configError('chunker:\n  chunkSize: [1, 2\n');
    expect(err.details.line).toBeGreaterThanOrEqual(2);
  });

  test('a file that is not a mapping', () => {
    expect(configError('- a\n- b\n').details.path).toBe('(top level)');
  });

  test('a missing file is NOT_FOUND and names it', async () => {
    await expect(loadPipeline(join(dir, 'nope.yaml'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  test('a file on disk is labelled with its path', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'ingest:\n  batchSize: -1\n');
    await expect(loadPipeline(file)).rejects.toThrow(`${file}:2:14: ingest.batchSize`);
  });
});
