/**
 * The ask area's public surface: the RAG loop that retrieves, assembles context, generates and checks
 * citations, whole (`ask`) or streamed (`askStream`). Re-exports only.
 */

export {
  type Answer,
  type AskComponents,
  type AskEvent,
  type AskOptions,
  ask,
  askStream,
  type Citation,
} from './ask.js';
