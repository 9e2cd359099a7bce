/**
 * Error answers in the wire format of the API that was called, never HTML: OpenAI's
 * `{ error: { message, type, param, code } }` and Anthropic's `{ type: 'error', error: { type, message } }`.
 */
import type { Wire } from './types.js';

/** What went wrong, independent of the wire format. */
export type GatewayErrorKind =
  | 'invalid_request'
  | 'authentication'
  | 'permission'
  | 'not_found'
  | 'too_large'
  | 'rate_limit'
  | 'budget'
  | 'upstream'
  | 'timeout'
  | 'overloaded'
  | 'internal';

/** An error answer: its HTTP status and body, and headers to add (Retry-After). */
export interface ErrorAnswer {
  status: number;
  body: string;
  headers: Record<string, string>;
}

const OPENAI: Record<GatewayErrorKind, { type: string; code: string | null }> = {
  invalid_request: { type: 'invalid_request_error', code: null },
  authentication: { type: 'invalid_request_error', code: 'invalid_api_key' },
  permission: { type: 'invalid_request_error', code: 'permission_denied' },
  not_found: { type: 'invalid_request_error', code: 'model_not_found' },
  too_large: { type: 'invalid_request_error', code: 'request_too_large' },
  rate_limit: { type: 'requests', code: 'rate_limit_exceeded' },
  budget: { type: 'insufficient_quota', code: 'insufficient_quota' },
  upstream: { type: 'server_error', code: 'upstream_error' },
  timeout: { type: 'server_error', code: 'upstream_timeout' },
  overloaded: { type: 'server_error', code: 'overloaded' },
  internal: { type: 'server_error', code: null },
};

const ANTHROPIC: Record<GatewayErrorKind, string> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  not_found: 'not_found_error',
  too_large: 'request_too_large',
  rate_limit: 'rate_limit_error',
  budget: 'rate_limit_error',
  upstream: 'api_error',
  timeout: 'api_error',
  overloaded: 'overloaded_error',
  internal: 'api_error',
};

/**
 * The body of an error in a wire format.
 *
 * @example
 * errorBody('anthropic', 'authentication', 'invalid x-api-key');
 * // '{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}'
 */
export function errorBody(wire: Wire, kind: GatewayErrorKind, message: string, param: string | null = null): string {
  if (wire === 'anthropic') return JSON.stringify({ type: 'error', error: { type: ANTHROPIC[kind], message } });
  const o = OPENAI[kind];
  return JSON.stringify({ error: { message, type: o.type, param, code: o.code } });
}

/**
 * A whole error answer.
 *
 * @example
 * errorAnswer('openai', 429, 'rate_limit', 'key app: 600 requests per minute', { retryAfterMs: 1500 });
 */
export function errorAnswer(wire: Wire, status: number, kind: GatewayErrorKind, message: string, o: { retryAfterMs?: number; param?: string } = {}): ErrorAnswer {
  const headers: Record<string, string> = {};
  if (o.retryAfterMs !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(o.retryAfterMs / 1000)));
  return { status, body: errorBody(wire, kind, message, o.param ?? null), headers };
}

/**
 * An error event for a stream that already started (headers sent): a client reading the stream sees
 * why it ended. OpenAI clients get a `data:` event with an `error` object; Anthropic's an `error` event.
 *
 * @example
 * streamErrorEvent('anthropic', 'upstream', 'connection lost'); // 'event: error\ndata: {...}\n\n'
 */
export function streamErrorEvent(wire: Wire, kind: GatewayErrorKind, message: string): string {
  return wire === 'anthropic' ? `event: error\ndata: ${errorBody(wire, kind, message)}\n\n` : `data: ${errorBody(wire, kind, message)}\n\n`;
}
