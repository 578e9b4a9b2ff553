/**
 * The OpenAI chat-completions wire format, as the chat generator reads it: the JSON answer and the SSE stream's
 * chunks (text deltas, finish reason, usage), error bodies and statuses turned into QuiverErrors (with the API
 * key redacted from anything the server echoed), and which failures are worth another attempt.
 */

import { QuiverError } from '../errors.js';
import type { Usage } from './generator.js';

/** What error messages say about the endpoint. */
export interface Endpoint {
  url: string;
  apiKey: string | undefined;
  apiKeyEnv: string | undefined;
}

/** A failed attempt, and whether another one may succeed. Internal: callers only ever see `error`. */
export class AttemptFailure extends Error {
  constructor(
    readonly error: QuiverError,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(error.message);
  }
}

export function upstream(message: string, details: Record<string, unknown> = {}, cause?: unknown): QuiverError {
  return new QuiverError('UPSTREAM', message, details, cause === undefined ? undefined : { cause });
}

export function asUpstream(err: unknown, message: string): QuiverError {
  if (err instanceof AttemptFailure) return err.error;
  if (err instanceof QuiverError) return err;
  return upstream(`${message}: ${describe(err)}`, { reason: 'network' }, err);
}

/** undici says "fetch failed" / "terminated" and keeps the useful part (ECONNREFUSED, "other side closed") in `cause`. */
export function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** Removes the API key from text that came back from the server (some echo the key they rejected). */
function redact(text: string, s: Endpoint): string {
  return s.apiKey ? text.split(s.apiKey).join('[redacted]') : text;
}

/** The server's own message from an OpenAI-style error body (`{ error: { message } }`), else the raw text. */
function serverMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
    if (typeof parsed.error?.message === 'string') return parsed.error.message;
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.slice(0, 500) || '(empty body)';
}

export function statusFailure(status: number, body: string, retryAfter: string | null, s: Endpoint): AttemptFailure {
  let hint = '';
  if (status === 401 || status === 403) {
    hint = s.apiKey
      ? ` (the server refused the API key${s.apiKeyEnv ? ` from ${s.apiKeyEnv}` : ''}; check that it is valid for this endpoint)`
      : ' (no API key was sent; set apiKey or apiKeyEnv)';
  } else if (status === 404) {
    hint = ' (check that baseUrl includes the API version, e.g. /v1, and that the model exists)';
  }
  const message = `POST ${s.url} answered ${status}: ${redact(serverMessage(body), s)}${hint}`;
  // 400 and 422 mean the request itself is wrong (prompt too long, bad parameter); the rest are the service's.
  const code = status === 400 || status === 422 ? 'INVALID_ARGUMENT' : 'UPSTREAM';
  const error = new QuiverError(code, message, { status, body: redact(body.slice(0, 2000), s) });
  return new AttemptFailure(error, status === 429 || status >= 500, retryAfterMs(retryAfter));
}

function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (header.trim() !== '' && Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

interface ChoiceLike {
  index?: unknown;
  message?: { content?: unknown };
  delta?: { content?: unknown };
  finish_reason?: unknown;
}

function parseJson(data: string, what: string, s: Endpoint): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch (cause) {
    throw upstream(`${what} from ${s.url} is not valid JSON`, { received: data.slice(0, 200) }, cause);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw upstream(`${what} from ${s.url} is not a JSON object`, { received: data.slice(0, 200) });
  }
  const error = (value as { error?: unknown }).error;
  if (error !== undefined && error !== null) {
    throw upstream(`${s.url} reported an error: ${redact(serverMessage(JSON.stringify(value)), s)}`);
  }
  return value as Record<string, unknown>;
}

function firstChoice(body: Record<string, unknown>, what: string, s: Endpoint): ChoiceLike | undefined {
  const { choices } = body;
  if (choices === undefined) return undefined;
  if (!Array.isArray(choices)) throw upstream(`${what} from ${s.url} has a non-array "choices"`);
  const choice = (choices as ChoiceLike[]).find((c) => (c?.index ?? 0) === 0);
  if (choice !== undefined && (typeof choice !== 'object' || choice === null)) {
    throw upstream(`${what} from ${s.url} has a malformed choice`);
  }
  return choice;
}

function parseFinish(choice: ChoiceLike | undefined): string | undefined {
  return typeof choice?.finish_reason === 'string' ? choice.finish_reason : undefined;
}

/** Usage is bookkeeping, not the answer: a server that reports it oddly gets an estimate instead of an error. */
function parseUsage(value: unknown): Usage | undefined {
  const u = value as { prompt_tokens?: unknown; completion_tokens?: unknown } | null | undefined;
  if (typeof u?.prompt_tokens !== 'number' || typeof u.completion_tokens !== 'number') return undefined;
  return { promptTokens: u.prompt_tokens, completionTokens: u.completion_tokens };
}

export function parseCompletion(body: string, s: Endpoint): { text: string; finishReason: string; usage?: Usage } {
  const json = parseJson(body, 'the answer', s);
  const choice = firstChoice(json, 'the answer', s);
  const content = choice?.message?.content;
  // null content is what a model that answered with nothing (or only a refusal) sends.
  if (choice === undefined || (content !== null && typeof content !== 'string')) {
    throw upstream(`the answer from ${s.url} has no choices[0].message.content`, { received: body.slice(0, 200) });
  }
  const usage = parseUsage(json.usage);
  return { text: content ?? '', finishReason: parseFinish(choice) ?? 'unknown', ...(usage ? { usage } : {}) };
}

export function parseChunk(
  event: string,
  data: string,
  s: Endpoint,
): { text: string; finishReason?: string; usage?: Usage } {
  if (event === 'error') throw upstream(`${s.url} sent an error event: ${redact(serverMessage(data), s)}`);
  const json = parseJson(data, 'a stream chunk', s);
  const choice = firstChoice(json, 'a stream chunk', s);
  const content = choice?.delta?.content;
  if (content !== undefined && content !== null && typeof content !== 'string') {
    throw upstream(`a stream chunk from ${s.url} has a non-string delta.content`, { received: data.slice(0, 200) });
  }
  const finishReason = parseFinish(choice);
  const usage = parseUsage(json.usage);
  return { text: content ?? '', ...(finishReason ? { finishReason } : {}), ...(usage ? { usage } : {}) };
}

/** When the server reports no usage: the prompt's own count, and about four characters per answer token. */
export function estimateUsage(promptTokens: number, text: string): Usage {
  return { promptTokens, completionTokens: Math.ceil(text.length / 4) };
}
