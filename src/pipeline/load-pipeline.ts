/**
 * Reads a pipeline file (YAML, or JSON, which YAML also reads) and validates it against the pipeline schema.
 * Every problem is reported at once, each as `file:line:column: key.path: what is wrong`, so a user can go
 * straight to the bad key. With no file named, the bundled `pipelines/default.yaml` is used.
 */

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type Document, isMap, isPair, isScalar, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { QuiverError } from '../errors.js';
import { type PipelineConfig, pipelineSchema } from './pipeline-schema.js';

/** The pipeline used when none is named: `pipelines/default.yaml` in the package. */
export const DEFAULT_PIPELINE = fileURLToPath(new URL('../../pipelines/default.yaml', import.meta.url));

export interface PipelineProblem {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

/**
 * @example
 * const config = await loadPipeline('pipelines/beir.yaml');
 * console.log(config.collection.name, config.chunker.chunkSize);
 */
export async function loadPipeline(file: string = DEFAULT_PIPELINE): Promise<PipelineConfig> {
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new QuiverError(
      code === 'ENOENT' ? 'NOT_FOUND' : 'IO_ERROR',
      `cannot read pipeline file ${file}: ${code ?? String(cause)}`,
      { file },
      { cause },
    );
  }
  return parsePipeline(source, file);
}

/** Validates pipeline text; `file` only labels the errors. */
export function parsePipeline(source: string, file = '<pipeline>'): PipelineConfig {
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const at = lines.linePos(e.pos[0]);
      return { path: '', message: e.message.split('\n')[0]!, line: at.line, column: at.col };
    });
    throw configError(file, problems);
  }
  const result = pipelineSchema.safeParse(doc.toJS() ?? {});
  if (result.success) return result.data;
  throw configError(
    file,
    result.error.issues.flatMap((issue) => problemsFor(issue, doc, lines)),
  );
}

function problemsFor(issue: z.core.$ZodIssue, doc: Document, lines: LineCounter): PipelineProblem[] {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      path: [...path, key].join('.'),
      message: `unknown key "${key}"${hint(path)}`,
      ...position(keyOffset(doc, path, key), lines),
    }));
  }
  return [
    { path: path.join('.') || '(top level)', message: issue.message, ...position(valueOffset(doc, path), lines) },
  ];
}

function hint(path: string[]): string {
  return path.length === 0 ? ' (top-level keys: version, store, collection, embedder, loader, chunker, ingest)' : '';
}

/** Offset of the value at `path`, or of its nearest existing parent. */
function valueOffset(doc: Document, path: string[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return node.range[0];
  }
  return undefined;
}

function keyOffset(doc: Document, path: string[], key: string): number | undefined {
  const parent = path.length === 0 ? doc.contents : doc.getIn(path, true);
  if (isMap(parent)) {
    for (const pair of parent.items) {
      if (isPair(pair) && isScalar(pair.key) && String(pair.key.value) === key && pair.key.range) {
        return pair.key.range[0];
      }
    }
  }
  return valueOffset(doc, path);
}

function position(offset: number | undefined, lines: LineCounter): { line?: number; column?: number } {
  if (offset === undefined) return {};
  const at = lines.linePos(offset);
  return { line: at.line, column: at.col };
}

function configError(file: string, unsorted: PipelineProblem[]): QuiverError {
  const problems = [...unsorted].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  const text = problems
    .map(
      (p) =>
        `${file}${p.line === undefined ? '' : `:${p.line}:${p.column}`}: ${p.path ? `${p.path}: ` : ''}${p.message}`,
    )
    .join('\n');
  const first = problems[0];
  return new QuiverError('CONFIG_INVALID', `invalid pipeline file\n${text}`, {
    file,
    line: first?.line,
    column: first?.column,
    path: first?.path,
    problems,
  });
}
