/**
 * The loaders' public surface: the loader contract, the built-in loaders, the registry that picks one by
 * extension, and the walker that finds source files. Re-exports only.
 */

export { assertText } from './binary.js';
export { type CsvMapping, csvLoader } from './csv.js';
export { documentHash, type HashedFields } from './hash.js';
export { htmlLoader, htmlToText } from './html.js';
export { BEIR_MAPPING, type JsonMapping, jsonLoader } from './json.js';
export type { Loader, LoadOptions, SourceFile } from './loader.js';
export { markdownLoader } from './markdown.js';
export { pdfLoader } from './pdf.js';
export { LOADERS, loaderFor, loadFile, supportedExtensions } from './registry.js';
export { textLoader } from './text.js';
export { DEFAULT_EXCLUDES, type WalkOptions, walkSources } from './walk.js';
