/**
 * Quiver's public API. Everything a user imports comes from here, except the LangChain adapter, which has its
 * own entry point (`quiver/langchain`) so that only its users need `@langchain/core`.
 */

export * from './ask/index.js';
export * from './cluster/index.js';
export * from './embed/index.js';
export { type ErrorCode, ErrorCodes, isQuiverError, QuiverError, type QuiverErrorDetails } from './errors.js';
export * from './generate/index.js';
export * from './ingest/index.js';
export * from './pipeline/index.js';
export * from './retrieve/index.js';
export * from './store/index.js';
