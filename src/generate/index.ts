/**
 * The generate area's public surface: the `Generator` contract and its request, event and result types, the
 * offline extractive generator and its sentence splitter, the OpenAI-compatible chat generator, the chat
 * prompt builder, and the citation check. Re-exports only.
 */

export { type CheckedCitations, CitationFilter, checkCitations } from './citations.js';
export {
  ExtractiveGenerator,
  type ExtractiveGeneratorOptions,
  NO_ANSWER,
  type PickedSentence,
  selectSentences,
} from './extractive.js';
export type {
  GenerateEvent,
  GenerateRequest,
  GenerateResult,
  Generator,
  Quote,
  Source,
  Usage,
} from './generator.js';
export { LlamaCppGenerator, type LlamaCppGeneratorOptions } from './llama-cpp.js';
export { OpenAIChatGenerator, type OpenAIChatGeneratorOptions } from './openai-chat.js';
export { type BuildPromptOptions, buildPrompt, type Prompt, SYSTEM_PROMPT } from './prompt.js';
export { type SentenceSpan, splitSentences } from './sentences.js';
