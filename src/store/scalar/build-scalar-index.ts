/**
 * Chooses and builds the scalar index for a field type: inverted for string, bool and string[] (by element)
 * and string primary keys; sorted for int and float and int primary keys; none for json. A primary key is
 * passed as its key type (`'string'` or `'int'`), since it indexes exactly like a field of that type.
 */

import type { ScalarType } from '../schema/types.js';
import type { Column } from '../segment/columns.js';
import { buildInvertedIndex } from './inverted-index.js';
import type { ScalarIndex } from './scalar-index.js';
import { buildSortedIndex } from './sorted-index.js';

export type IndexableType = ScalarType;

/**
 * @example
 * const index = buildScalarIndex('int', numberColumn([3, 1, null, 2])); // sorted: values [1, 2, 3], rows [1, 3, 0]
 */
export function buildScalarIndex(type: IndexableType, column: Column): ScalarIndex | undefined {
  if (type === 'json') return undefined;
  if (type === 'int' || type === 'float') return column.kind === 'number' ? buildSortedIndex(column) : undefined;
  return column.kind === 'value' ? buildInvertedIndex(column) : undefined;
}
