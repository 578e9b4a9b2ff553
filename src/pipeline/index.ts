/**
 * Pipeline files: the schema, the loader with positioned errors, the embedder and generator factories, and the
 * RAG opener that `quiver ask` and the server share. Re-exports only.
 */

export { createEmbedder, embedderModelId } from './create-embedder.js';
export { createGenerator } from './create-generator.js';
export { DEFAULT_PIPELINE, loadPipeline, type PipelineProblem, parsePipeline } from './load-pipeline.js';
export { askDefaults, openRag, type Rag } from './open-rag.js';
export { type PipelineConfig, type PipelineInput, pipelineSchema } from './pipeline-schema.js';
export { type RunIngestOptions, runIngest } from './run-ingest.js';
