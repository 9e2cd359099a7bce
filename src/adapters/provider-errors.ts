import { createRedactor, type Redactor } from '../model/redact.js';
import { AdapterError, parseRetryAfter } from './errors.js';

/** The SDK error classes an HTTP provider adapter maps from (openai and @anthropic-ai/sdk share the shape). */
export interface SdkErrorClasses {
  APIError: abstract new (...args: never[]) => Error;
  APIConnectionError: abstract new (...args: never[]) => Error;
  APIConnectionTimeoutError: abstract new (...args: never[]) => Error;
}

/** What an error message may name, and what it must never show. */
export interface ProviderErrorContext {
  /** Adapter name that prefixes every message, e.g. `openai`. */
  provider: string;
  /** Origin of the server, named in connection errors (never a path or query that may carry a key). */
  endpoint: string;
  /** Values (API keys, auth headers) to blank out of every message. */
  secrets: readonly string[];
  classes: SdkErrorClasses;
}

/** Fields both SDKs' APIError carries for an HTTP status error. */
interface SdkStatusError {
  status: number;
  headers?: Headers;
  /** The body's error type, e.g. `rate_limit_error`. */
  type?: unknown;
  /** Anthropic only: the body's `error.message`. */
  apiMessage?: unknown;
}

/** Longest server error text kept in a message: enough to diagnose, short enough for a table cell. */
const MAX_DETAIL = 500;

/**
 * Classifies anything a provider SDK call threw as an `AdapterError`. HTTP statuses go through
 * `AdapterError.fromStatus` with Retry-After; connection failures are retryable `network` errors; a
 * body that is not JSON is a non-retryable `invalid_output`. The SDK error is not kept as `cause`,
 * because its message and body may echo the key; the message here is redacted.
 *
 * @example
 * try { await client.chat.completions.create(body, { signal }); }
 * catch (err) { throw toAdapterError(err, { provider: 'openai', endpoint, secrets: [key], classes }); }
 */
export function toAdapterError(err: unknown, ctx: ProviderErrorContext): AdapterError {
  if (err instanceof AdapterError) return err;
  const clean = (text: string): string => truncate(redact(text, ctx.secrets));
  const { classes } = ctx;
  if (err instanceof classes.APIError && typeof (err as { status?: unknown }).status === 'number') {
    const { status, headers, type, apiMessage } = err as unknown as SdkStatusError;
    // Anthropic's SDK keeps the body's own message apart; its `message` is the whole body as JSON.
    const detail =
      typeof apiMessage === 'string' && apiMessage !== ''
        ? apiMessage
        : err.message.startsWith(`${status} `)
          ? err.message.slice(String(status).length + 1)
          : err.message;
    const label = typeof type === 'string' && type !== '' ? ` ${clean(type)}` : '';
    const retryAfterMs = parseRetryAfter(headers);
    const message = `${ctx.provider}: HTTP ${status}${label}: ${clean(detail)}`;
    return AdapterError.fromStatus(status, message, retryAfterMs === undefined ? {} : { retryAfterMs });
  }
  if (err instanceof classes.APIConnectionTimeoutError) {
    return new AdapterError('timeout', `${ctx.provider}: connection to ${ctx.endpoint} timed out`, { retryable: true });
  }
  const system = systemError(err);
  if (err instanceof classes.APIConnectionError || system !== undefined) {
    // Also a body cut off mid-read (undici's UND_ERR_SOCKET), which the SDK does not wrap.
    const why = system ? `${system.code} (${clean(system.message)})` : clean(err instanceof Error ? err.message : String(err));
    return new AdapterError('network', `${ctx.provider}: connection to ${ctx.endpoint} failed: ${why}`, { retryable: true });
  }
  if (err instanceof SyntaxError) {
    // A 2xx whose body does not parse: retrying a broken server rarely helps and costs money. The
    // parser's message quotes the body's first characters, which may be an echoed key: say where only.
    const at = /at position (\d+)/.exec(err.message)?.[1];
    return invalidOutput(ctx.provider, `response body is not valid JSON${at === undefined ? '' : ` (at character ${at})`}`);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new AdapterError('unknown', `${ctx.provider}: ${clean(message)}`, { retryable: false });
}

/**
 * A 2xx response without what the adapter needs (no choices, no content array, wrong types).
 * Not retryable: the same server will likely answer the same way, and every retry is paid.
 *
 * @example
 * throw invalidOutput('openai', 'the response has no choices');
 */
export function invalidOutput(provider: string, what: string): AdapterError {
  return new AdapterError('invalid_output', `${provider}: ${what}`, { retryable: false });
}

/**
 * Replaces each secret, and every piece of one of 6 characters or more (a key cut by a tail, or
 * half-echoed by a server), with `[redacted]`. Secrets shorter than 4 characters are skipped: they
 * cannot be real keys, and blanking single letters would garble every message.
 *
 * @example
 * redact('bad key sk-123456', ['sk-123456']); // 'bad key [redacted]'
 */
export function redact(text: string, secrets: readonly string[]): string {
  let redactor = redactors.get(secrets);
  if (!redactor) redactors.set(secrets, (redactor = createRedactor(secrets, '[redacted]')));
  return redactor(text);
}

/** One redactor per secrets list (an adapter keeps its list for its lifetime). */
const redactors = new WeakMap<readonly string[], Redactor>();

function truncate(text: string): string {
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL)}...` : text;
}

/** The first system error (ECONNREFUSED, ENOTFOUND, UND_ERR_SOCKET...) down the cause chain of a fetch failure. */
function systemError(err: unknown): { code: string; message: string } | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)) {
      return { code, message: typeof message === 'string' ? message : '' };
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
