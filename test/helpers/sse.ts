/**
 * Reading a Server-Sent Events response in tests: each event's name and parsed JSON data, in order. The framing
 * is parsed by Quiver's own SSE parser (src/generate/sse.ts); this only decodes the JSON payloads.
 */

import { readSse as readRawSse, SseParser } from '../../src/generate/sse.js';

export interface SseEvent {
  event: string;
  data: unknown;
}

const decoded = (e: { event: string; data: string }): SseEvent => ({ event: e.event, data: JSON.parse(e.data) });

/** Parses one complete SSE text into events (comments and heartbeats skipped). */
export function parseSse(text: string): SseEvent[] {
  return new SseParser().push(text.endsWith('\n\n') ? text : `${text}\n\n`).map(decoded);
}

/** Reads events from a streaming body as they arrive. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  for await (const e of readRawSse(body)) yield decoded(e);
}
