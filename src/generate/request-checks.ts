/**
 * Checks every generator makes on its input: a `GenerateRequest` that is well formed, and the INVALID_ARGUMENT
 * error naming the field for one that is not (also used for a generator's own options).
 */

import { QuiverError } from '../errors.js';
import type { GenerateRequest } from './generator.js';

export function invalid(field: string, message: string, received: unknown): QuiverError {
  return new QuiverError('INVALID_ARGUMENT', message, { field, received });
}

export function validateRequest(request: GenerateRequest): void {
  if (typeof request?.question !== 'string' || request.question.trim() === '') {
    throw invalid('question', 'question must be a non-empty string', request?.question);
  }
  if (!Array.isArray(request.sources)) throw invalid('sources', 'sources must be an array', typeof request.sources);
  const { temperature, maxTokens } = request;
  if (temperature !== undefined && (typeof temperature !== 'number' || !(temperature >= 0 && temperature <= 2))) {
    throw invalid('temperature', 'temperature must be a number from 0 to 2', temperature);
  }
  if (maxTokens !== undefined && (!Number.isSafeInteger(maxTokens) || maxTokens < 1)) {
    throw invalid('maxTokens', 'maxTokens must be a positive integer', maxTokens);
  }
}
