import type { IncomingHttpHeaders } from 'node:http';
import { AdapterError, parseRetryAfter } from '../../adapters/errors.js';
import { AttemptTimeout } from '../../engine/classify.js';

/**
 * A non-2xx answer of an upstream as a classified error: the provider's own message (OpenAI's and
 * Anthropic's error bodies both carry `error.message`), redacted, and its Retry-After.
 *
 * @example
 * throw upstreamStatusError('haiku', 529, headers, '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}', redact);
 */
export function upstreamStatusError(variant: string, status: number, headers: IncomingHttpHeaders, text: string, redact: (t: string) => string): AdapterError {
  let detail = '';
  let type = '';
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown; type?: unknown } | string; message?: unknown };
    const e = body.error;
    if (typeof e === 'string') detail = e;
    else if (e && typeof e.message === 'string') detail = e.message;
    else if (typeof body.message === 'string') detail = body.message;
    if (e && typeof e === 'object' && typeof e.type === 'string') type = ` ${e.type}`;
  } catch {
    // not JSON: the body is never quoted (it may be an HTML page, or echo a key)
    detail = 'the error body is not JSON';
  }
  const get = (name: string) => {
    const v = headers[name];
    return typeof v === 'string' ? v : null;
  };
  const retryAfterMs = parseRetryAfter({ get });
  const message = redact(`${variant}: HTTP ${status}${type}: ${detail.slice(0, 500)}`);
  return AdapterError.fromStatus(status, message, retryAfterMs === undefined ? {} : { retryAfterMs });
}

/** A failure to reach an upstream (refused, reset, timed out) as a classified, retryable error. */
export function upstreamNetworkError(variant: string, error: unknown, redact: (t: string) => string): AdapterError {
  if (error instanceof AdapterError) return error;
  if (error instanceof AttemptTimeout) return new AdapterError('timeout', `${variant}: ${error.message}`, { retryable: true });
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return new AdapterError('network', redact(`${variant}: ${typeof code === 'string' ? `${code}: ` : ''}${message}`), { retryable: true });
}
