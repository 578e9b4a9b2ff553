/**
 * Chooses and builds the scalar index for a field type: inverted for string, bool and string[] (and string
 * keys), sorted for int and float (and int keys), none for json.
 */

import type { Column } from '../segment/columns.js';
import { buildInvertedIndex } from './inverted-index.js';
import type { ScalarIndex } from './scalar-index.js';
import { buildSortedIndex } from './sorted-index.js';

export type IndexableType = 'bool' | 'int' | 'float' | 'string' | 'string[]' | 'json';

export function buildScalarIndex(type: IndexableType, column: Column): ScalarIndex | undefined {
  if (type === 'json') return undefined;
  if (type === 'int' || type === 'float') return column.kind === 'number' ? buildSortedIndex(column) : undefined;
  return column.kind === 'value' ? buildInvertedIndex(column) : undefined;
}
