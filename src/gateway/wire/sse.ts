/**
 * Server-sent events, read incrementally: bytes arrive in arbitrary pieces (a TCP read may end in
 * the middle of an event, or of a UTF-8 character) and complete events come out in order.
 */

/** One event: its `event:` name (empty when absent), its `data:` lines joined, and its exact text. */
export interface SseEvent {
  event: string;
  data: string;
  /** The event as received, with its terminating blank line: forwarded unchanged when nothing changes. */
  raw: string;
}

/**
 * Splits a byte stream into events. Handles `\n`, `\r\n` and `\r` line ends, comments (`:`), and
 * multi-line data; a final event without its blank line comes out of `end()`.
 *
 * @example
 * const parser = new SseParser();
 * for (const e of parser.push(chunk)) handle(e.event, e.data);
 * for (const e of parser.end()) handle(e.event, e.data);
 */
export class SseParser {
  private readonly decoder = new TextDecoder();
  private buffer = '';

  push(chunk: Uint8Array | string): SseEvent[] {
    this.buffer += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    const out: SseEvent[] = [];
    for (;;) {
      const end = eventEnd(this.buffer);
      if (end < 0) break;
      const raw = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end);
      const event = parseEvent(raw);
      if (event) out.push(event);
    }
    return out;
  }

  /** Whatever is left when the stream ends (an event missing its blank line). */
  end(): SseEvent[] {
    const rest = this.buffer + this.decoder.decode();
    this.buffer = '';
    if (rest.trim() === '') return [];
    const event = parseEvent(`${rest}\n\n`);
    return event ? [event] : [];
  }
}

/** Index just past the blank line ending the first complete event, or -1. */
function eventEnd(text: string): number {
  const lf = text.indexOf('\n\n');
  const crlf = text.indexOf('\r\n\r\n');
  const cr = text.indexOf('\r\r');
  let best = -1;
  for (const [i, len] of [[lf, 2], [crlf, 4], [cr, 2]] as const) {
    if (i >= 0 && (best < 0 || i + len < best)) best = i + len;
  }
  return best;
}

function parseEvent(raw: string): SseEvent | null {
  let event = '';
  const data: string[] = [];
  for (const line of raw.split(/\r\n|\r|\n/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0 && event === '') return null;
  return { event, data: data.join('\n'), raw };
}

/**
 * One event as text: `event: NAME` (when named) and a `data:` line.
 *
 * @example
 * sseText('message_stop', '{"type":"message_stop"}'); // 'event: message_stop\ndata: {...}\n\n'
 */
export function sseText(event: string | null, data: string): string {
  return event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`;
}
