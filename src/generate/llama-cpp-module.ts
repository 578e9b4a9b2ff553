/**
 * The part of `node-llama-cpp` (v3) the llama-cpp generator uses, typed structurally (the package is an optional
 * peer dependency, so its own types may be absent), and how it is reached: the model file checked first, so a wrong
 * path reads as NOT_FOUND, then the package imported lazily, with an install hint when it is missing.
 */

import { stat } from 'node:fs/promises';
import { QuiverError } from '../errors.js';

/** What one prompt call returns (`LlamaChatSession.promptWithMeta`). */
export interface LlamaPromptResultLike {
  responseText: string;
  /** "eogToken", "stopGenerationTrigger", "customStopTrigger", "maxTokens", "abort", "functionCalls". */
  stopReason: string;
}

export interface LlamaPromptOptionsLike {
  maxTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
  onTextChunk?: (text: string) => void;
}

export interface LlamaChatSessionLike {
  promptWithMeta(prompt: string, options: LlamaPromptOptionsLike): Promise<LlamaPromptResultLike>;
  dispose(options?: { disposeSequence?: boolean }): void;
}

/** A context sequence: opaque here, only handed to the chat session. */
export type LlamaSequenceLike = object;

export interface LlamaContextLike {
  getSequence(): LlamaSequenceLike;
  dispose(): unknown;
}

export interface LlamaModelLike {
  tokenize(text: string): ArrayLike<unknown>;
  createContext(options: { contextSize: number }): Promise<LlamaContextLike>;
  dispose(): unknown;
}

/** The members of `node-llama-cpp` this generator uses; a test passes a fake with the same shape. */
export interface LlamaModuleLike {
  getLlama(): Promise<{ loadModel(options: { modelPath: string }): Promise<LlamaModelLike> }>;
  LlamaChatSession: new (options: {
    contextSequence: LlamaSequenceLike;
    systemPrompt?: string;
    autoDisposeSequence?: boolean;
  }) => LlamaChatSessionLike;
}

// A variable, not a literal: `tsc` does not look for the package's types and bundlers do not try to include it.
const MODULE = 'node-llama-cpp';

export async function importNodeLlamaCpp(): Promise<LlamaModuleLike> {
  return (await import(MODULE)) as LlamaModuleLike;
}

export async function checkModelFile(path: string): Promise<void> {
  let isFile: boolean;
  try {
    isFile = (await stat(path)).isFile();
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new QuiverError('NOT_FOUND', `model file ${path} does not exist`, { file: path, field: 'modelPath' });
    }
    throw new QuiverError('IO_ERROR', `cannot read model file ${path}: ${message(cause)}`, { file: path }, { cause });
  }
  if (!isFile) {
    throw new QuiverError('CONFIG_INVALID', `modelPath ${path} is not a file; name the .gguf file itself`, {
      file: path,
      field: 'modelPath',
    });
  }
}

export async function loadModule(load: () => Promise<LlamaModuleLike>): Promise<LlamaModuleLike> {
  let module: LlamaModuleLike;
  try {
    module = await load();
  } catch (cause) {
    throw new QuiverError(
      'CONFIG_INVALID',
      `the llama-cpp generator needs node-llama-cpp, an optional dependency that could not be imported ` +
        `(${message(cause)}); run: npm install node-llama-cpp`,
      { field: 'provider' },
      { cause },
    );
  }
  if (typeof module?.getLlama !== 'function' || typeof module.LlamaChatSession !== 'function') {
    throw new QuiverError(
      'CONFIG_INVALID',
      'the installed node-llama-cpp has no getLlama or LlamaChatSession; ' +
        'the llama-cpp generator needs version 3: npm install node-llama-cpp@3',
      { field: 'provider' },
    );
  }
  return module;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
