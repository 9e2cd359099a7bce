import type { IncomingHttpHeaders } from 'node:http';
import type { ChatRequest, MessagesRequest, Wire } from '../wire/types.js';

/** One call of a variant for a client's request. */
export interface UpstreamCall {
  /** The API the client called, and its parsed body (never modified: each try builds its own). */
  wire: Wire;
  body: ChatRequest | MessagesRequest;
  stream: boolean;
  /** The client's headers (only `anthropic-beta` is passed on; keys never are). */
  headers: IncomingHttpHeaders;
  signal: AbortSignal;
  /** The trial's seq and seed (mock variants draw from it). */
  seq: number;
  seed: number;
}

/**
 * A 2xx answer, in the upstream's own wire format: parsed JSON, or (streaming) the body's bytes;
 * `cost` when the adapter reported an exact one (a module).
 * Failures are thrown as classified `AdapterError`s (status, retryable, Retry-After).
 */
export type UpstreamReply =
  | { wire: Wire; kind: 'json'; json: unknown; cost?: number }
  | { wire: Wire; kind: 'stream'; body: AsyncIterable<Uint8Array | string> | Iterable<string>; cost?: number };

/**
 * How a variant is reached: an OpenAI-compatible server or Anthropic's API (a lean pass-through on
 * kept-alive sockets), or any other adapter (mock, exec, module, CLI agents) through its `call`.
 *
 * @example
 * const reply = await upstream.call({ wire: 'openai', body, stream: false, headers: {}, signal, seq: 4, seed: 7 });
 */
export interface Upstream {
  /** The model the variant asks its server for (shown as `model` in answers it synthesises). */
  readonly model: string;
  call(call: UpstreamCall): Promise<UpstreamReply>;
  close?(): Promise<void>;
}
