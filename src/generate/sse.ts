/**
 * A small Server-Sent-Events parser for chat-completion streams, following the WHATWG event-stream rules:
 * lines end in LF, CRLF or CR (a CRLF may be split across network chunks), `:` lines are comments, `data`
 * lines accumulate until a blank line dispatches the event, one space after the colon is dropped. It is
 * strict where a client should be: bytes must be valid UTF-8, one event may not grow without bound, and an
 * event the stream cuts off before its blank line is dropped (as the spec says), so a truncated stream shows
 * up to the caller as a missing terminator rather than as a half-parsed event.
 */

import { TextDecoder } from 'node:util';
import { QuiverError } from '../errors.js';

export interface SseEvent {
  /** The `event:` field, `message` when the stream names none. */
  event: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /** The last `id:` seen, if any. */
  id?: string;
}

/** The most characters one event (with its pending line) may hold before the stream is called malformed. */
export const MAX_EVENT_CHARS = 4 * 1024 * 1024;

/**
 * Incremental parser: `push` text as it arrives and get back the events it completes.
 *
 * @example
 * const parser = new SseParser();
 * parser.push('data: {"a"'); // []
 * parser.push(':1}\n\n'); // [{ event: 'message', data: '{"a":1}' }]
 */
export class SseParser {
  #line = '';
  #data: string[] = [];
  #dataChars = 0;
  #event = '';
  #id: string | undefined;
  /** The previous chunk ended in CR, so an LF opening the next one belongs to that line end. */
  #afterCR = false;

  push(text: string): SseEvent[] {
    const events: SseEvent[] = [];
    let at = 0;
    if (this.#afterCR && text.startsWith('\n')) at = 1;
    this.#afterCR = false;
    while (at < text.length) {
      const lf = text.indexOf('\n', at);
      const cr = text.indexOf('\r', at);
      const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
      if (end === -1) {
        this.#line += text.slice(at);
        break;
      }
      const line = this.#line + text.slice(at, end);
      this.#line = '';
      at = end + 1;
      if (text[end] === '\r') {
        if (at === text.length) this.#afterCR = true;
        else if (text[at] === '\n') at++;
      }
      const event = this.#takeLine(line);
      if (event) events.push(event);
    }
    if (this.#line.length + this.#dataChars > MAX_EVENT_CHARS) {
      throw new QuiverError('UPSTREAM', `event stream sent an event over ${MAX_EVENT_CHARS} characters`, {
        limit: MAX_EVENT_CHARS,
      });
    }
    return events;
  }

  #takeLine(line: string): SseEvent | undefined {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') {
      this.#data.push(value);
      this.#dataChars += value.length + 1;
    } else if (field === 'event') {
      this.#event = value;
    } else if (field === 'id' && !value.includes('\0')) {
      this.#id = value;
    }
    // `retry` and unknown fields are ignored, as the spec says: this client never reconnects.
    return undefined;
  }

  #dispatch(): SseEvent | undefined {
    const event = this.#event || 'message';
    const data = this.#data;
    this.#data = [];
    this.#dataChars = 0;
    this.#event = '';
    if (data.length === 0) return undefined;
    return { event, data: data.join('\n'), ...(this.#id === undefined ? {} : { id: this.#id }) };
  }
}

/**
 * The events of a byte stream, decoded as UTF-8 (invalid bytes → QuiverError UPSTREAM). Stopping the
 * iteration early cancels the stream.
 */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent, void, undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const parser = new SseParser();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        yield* parser.push(decode(decoder));
        return;
      }
      yield* parser.push(decode(decoder, value));
    }
  } finally {
    // Early exit (break, an error, [DONE]): release the connection instead of leaving the body unread.
    if (!finished) await reader.cancel().catch(() => {});
  }
}

function decode(decoder: TextDecoder, bytes?: Uint8Array): string {
  try {
    return bytes === undefined ? decoder.decode() : decoder.decode(bytes, { stream: true });
  } catch (cause) {
    throw new QuiverError('UPSTREAM', 'event stream is not valid UTF-8', {}, { cause });
  }
}
