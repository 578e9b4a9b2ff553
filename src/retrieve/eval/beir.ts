/**
 * Reads the evaluation half of a BEIR dataset folder: `queries.jsonl` and `qrels/<split>.tsv` (a header line,
 * then `query-id<TAB>corpus-id<TAB>score`, CRLF or LF). Only queries that have judgements in the split are
 * returned, as BEIR's own evaluation does. The corpus is ingested separately, like any other source.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { QuiverError } from '../../errors.js';
import type { Judgements } from './metrics.js';

export interface BeirQuery {
  id: string;
  text: string;
}

export interface BeirEvalSet {
  split: string;
  queries: BeirQuery[];
  qrels: Map<string, Judgements>;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new QuiverError(
      code === 'ENOENT' ? 'NOT_FOUND' : 'IO_ERROR',
      `cannot read ${file}: ${code ?? String(cause)}`,
      { file },
      { cause },
    );
  }
}

function parseQrels(text: string, file: string): Map<string, Map<string, number>> {
  const qrels = new Map<string, Map<string, number>>();
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === '' || (i === 0 && /^query[-_]?id\b/i.test(line))) return;
    const [qid, docId, score, extra] = line.split('\t');
    const rel = Number(score);
    if (!qid || !docId || score === undefined || extra !== undefined || !Number.isFinite(rel)) {
      throw new QuiverError(
        'MALFORMED_FILE',
        `${file}:${i + 1}: expected query-id, corpus-id and score separated by tabs`,
        {
          file,
          line: i + 1,
        },
      );
    }
    let judged = qrels.get(qid);
    if (!judged) {
      judged = new Map();
      qrels.set(qid, judged);
    }
    judged.set(docId, rel);
  });
  return qrels;
}

function parseQueries(text: string, file: string): Map<string, string> {
  const queries = new Map<string, string>();
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    let record: { _id?: unknown; text?: unknown };
    try {
      record = JSON.parse(line);
    } catch {
      throw new QuiverError('MALFORMED_FILE', `${file}:${i + 1}: not a JSON object`, { file, line: i + 1 });
    }
    if (typeof record._id !== 'string' || typeof record.text !== 'string') {
      throw new QuiverError('MALFORMED_FILE', `${file}:${i + 1}: a query needs string "_id" and "text"`, {
        file,
        line: i + 1,
      });
    }
    queries.set(record._id, record.text);
  });
  return queries;
}

/**
 * @example
 * const { queries, qrels } = await loadBeirEvalSet('../shared/data/scifact', 'test'); // 300 queries
 */
export async function loadBeirEvalSet(folder: string, split = 'test'): Promise<BeirEvalSet> {
  const qrelsFile = join(folder, 'qrels', `${split}.tsv`);
  const queriesFile = join(folder, 'queries.jsonl');
  const qrels = parseQrels(await readText(qrelsFile), qrelsFile);
  const texts = parseQueries(await readText(queriesFile), queriesFile);
  const queries: BeirQuery[] = [];
  for (const id of qrels.keys()) {
    const text = texts.get(id);
    if (text === undefined) {
      throw new QuiverError('MALFORMED_FILE', `${qrelsFile}: query "${id}" is judged but missing from ${queriesFile}`, {
        file: qrelsFile,
      });
    }
    queries.push({ id, text });
  }
  return { split, queries, qrels };
}
