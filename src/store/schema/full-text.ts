/**
 * Resolves a string field's `fullText` setting: the analyzer (shared per distinct options), and the BM25
 * k1 and b a search uses unless it names its own. Validation errors are SCHEMA_INVALID naming the field.
 */

import { QuiverError } from '../../errors.js';
import { type Analyzer, createAnalyzer } from '../text/analyzer.js';
import type { FieldSchema, FullTextParams } from './types.js';

export interface ResolvedTextField {
  name: string;
  analyzer: Analyzer;
  k1: number;
  b: number;
}

export const DEFAULT_K1 = 1.2;
export const DEFAULT_B = 0.75;
const KNOWN = new Set(['analyzer', 'k1', 'b']);

function fail(field: string, message: string): never {
  throw new QuiverError('SCHEMA_INVALID', `field "${field}": ${message}`, { field });
}

/** The resolved full-text settings of `field`, or undefined when it has none. Throws SCHEMA_INVALID. */
export function resolveFullText(field: FieldSchema): ResolvedTextField | undefined {
  const raw = (field as { fullText?: unknown }).fullText;
  if (raw === undefined || raw === false) return undefined;
  if (field.type !== 'string' || ('primary' in field && field.primary)) {
    fail(field.name, 'fullText applies to non-key string fields only');
  }
  if (raw !== true && (raw === null || typeof raw !== 'object' || Array.isArray(raw))) {
    fail(field.name, 'fullText must be true or an object { analyzer?, k1?, b? }');
  }
  const params: FullTextParams = raw === true ? {} : (raw as FullTextParams);
  for (const key of Object.keys(params)) if (!KNOWN.has(key)) fail(field.name, `"${key}" is not a fullText option`);
  const k1 = params.k1 ?? DEFAULT_K1;
  const b = params.b ?? DEFAULT_B;
  if (typeof k1 !== 'number' || !(k1 >= 0 && k1 <= 100)) fail(field.name, 'fullText.k1 must be a number in [0, 100]');
  if (typeof b !== 'number' || !(b >= 0 && b <= 1)) fail(field.name, 'fullText.b must be a number in [0, 1]');
  let analyzer: Analyzer;
  try {
    analyzer = createAnalyzer(params.analyzer ?? {});
  } catch (err) {
    throw new QuiverError(
      'SCHEMA_INVALID',
      `field "${field.name}": ${(err as Error).message}`,
      { field: field.name },
      { cause: err },
    );
  }
  return { name: field.name, analyzer, k1, b };
}
