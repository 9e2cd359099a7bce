import { invalidOutput } from '../../adapters/provider-errors.js';
import type { Wire } from '../wire/types.js';
import { upstreamNetworkError, upstreamStatusError } from './errors.js';
import { httpPost, readText } from './http.js';
import type { UpstreamReply } from './types.js';

/**
 * Sends a built request to an upstream and reads its answer: a 2xx as JSON or as a stream of bytes
 * (when asked to stream and the server answers with event-stream); anything else as a classified
 * error whose message is redacted.
 *
 * @example
 * const reply = await exchange({ url, headers, body, stream: true, signal, variant: 'mini', wire: 'openai', redact });
 */
export async function exchange(o: {
  url: URL; headers: Record<string, string>; body: string; stream: boolean; signal: AbortSignal; variant: string; wire: Wire; redact: (t: string) => string;
}): Promise<UpstreamReply> {
  let reply;
  try {
    reply = await httpPost(o.url, o.headers, o.body, o.signal);
  } catch (error) {
    if (o.signal.aborted) throw o.signal.reason;
    throw upstreamNetworkError(o.variant, error, o.redact);
  }
  if (reply.status < 200 || reply.status >= 300) {
    let text = '';
    try {
      text = await readText(reply.body, 1024 * 1024);
    } catch {
      // the status says enough
    }
    throw upstreamStatusError(o.variant, reply.status, reply.headers, text, o.redact);
  }
  const type = String(reply.headers['content-type'] ?? '');
  if (o.stream && type.includes('text/event-stream')) return { wire: o.wire, kind: 'stream', body: reply.body };
  let text: string;
  try {
    text = await readText(reply.body);
  } catch (error) {
    if (o.signal.aborted) throw o.signal.reason;
    throw upstreamNetworkError(o.variant, error, o.redact);
  }
  try {
    return { wire: o.wire, kind: 'json', json: JSON.parse(text) };
  } catch (error) {
    const at = /at position (\d+)/.exec((error as Error).message)?.[1];
    throw invalidOutput(o.variant, `the upstream's answer is not valid JSON${at === undefined ? '' : ` (at character ${at})`}`);
  }
}

/** Client headers an upstream of the same API may need (beta features), never credentials. */
export function passedHeaders(headers: Record<string, string | string[] | undefined>, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const v = headers[name];
    if (typeof v === 'string') out[name] = v;
    else if (Array.isArray(v)) out[name] = v.join(',');
  }
  return out;
}
