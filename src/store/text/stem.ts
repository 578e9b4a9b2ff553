/**
 * Porter stemming for the analyzer. This is the only file that imports the `stemmer` package, so swapping
 * the stemmer (or adding one for another language) touches one place. It does no caching: the analyzer
 * caches whole token → term results, which also saves the stopword lookup.
 */

import { stemmer } from 'stemmer';

/**
 * The Porter stem of a lowercase word. Words shorter than 3 units come back unchanged (Porter's rule).
 *
 * @example
 * stem('running'); // 'run'
 */
export function stem(word: string): string {
  return word.length < 3 ? word : stemmer(word);
}
