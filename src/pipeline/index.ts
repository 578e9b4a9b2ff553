/**
 * Pipeline files: the schema, the loader with positioned errors, and the embedder factory. Re-exports only.
 */

export { createEmbedder, embedderModelId } from './create-embedder.js';
export { DEFAULT_PIPELINE, loadPipeline, type PipelineProblem, parsePipeline } from './load-pipeline.js';
export { type PipelineConfig, type PipelineInput, pipelineSchema } from './pipeline-schema.js';
