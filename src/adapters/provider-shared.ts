import type { AddressInfo } from 'node:net';

/** Requests made against the loopback server: the SDK's first ones are the slow ones. */
const WARM_CALLS = 3;

/**
 * Runs an SDK's request path against a server of our own on 127.0.0.1 that answers `reply`, so what a
 * first request loads (fetch's HTTP client and its parser, the SDK's request and response code) is
 * loaded before any trial is timed, without calling the provider. `call` gets the loopback origin.
 *
 * @example
 * await warmOverLoopback(completion, (origin) => client(origin).chat.completions.create(body));
 */
export async function warmOverLoopback(reply: unknown, call: (origin: string) => Promise<unknown>): Promise<void> {
  const body = JSON.stringify(reply);
  // Taken here: every run loads this module (through the adapter registry), few warm an SDK.
  const { createServer } = process.getBuiltinModule('node:http');
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', connection: 'close' }).end(body));
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  try {
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (let i = 0; i < WARM_CALLS; i++) await call(origin);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * The SDK's own per-request timeout, set far beyond any trial timeout: the trial runner owns timing
 * through `request.signal`. Kept under 2^31 ms, where Node's setTimeout would overflow to 1 ms.
 */
export const SDK_TIMEOUT_MS = 24 * 60 * 60 * 1000;

/**
 * Settles like `promise`, but rejects with `signal.reason` the moment the signal aborts, so a call
 * returns promptly even if the work under it is slow to notice. The loser's rejection is swallowed.
 *
 * @example
 * const message = await raceAbort(client.messages.create(body, { signal }), signal);
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason as unknown);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as unknown);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

const SENSITIVE_HEADER = /auth|key|token|secret|cookie|session|password/i;

/**
 * Every value an error message must not show: the API key and the values of headers whose name
 * suggests a credential (`Authorization`, `api-key`, `X-Token`...).
 *
 * @example
 * secretsOf('sk-1', { 'api-key': 'abc', 'x-trace': 't' }); // ['sk-1', 'abc']
 */
export function secretsOf(apiKey: string | undefined, headers: Record<string, string> | undefined): string[] {
  const secrets = apiKey ? [apiKey] : [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (SENSITIVE_HEADER.test(name)) {
      secrets.push(value);
      // "Bearer xyz" may be echoed back as just "xyz".
      const token = value.replace(/^(bearer|basic|token)\s+/i, '');
      if (token !== value) secrets.push(token);
    }
  }
  return secrets;
}

/**
 * The scheme and host of a base URL, for messages: no path, no query, no user info (any of which may
 * carry a credential).
 *
 * @example
 * endpointOf('https://u:p@example.com/v1?key=k', 'https://api.openai.com'); // 'https://example.com'
 */
export function endpointOf(baseURL: string | undefined, fallback: string): string {
  try {
    return new URL(baseURL ?? fallback).origin;
  } catch {
    return fallback;
  }
}

/**
 * Stands in for the API key when a custom server needs none (a local vLLM, Ollama, llama.cpp), so the
 * SDK constructs; the `Authorization` header it would make from it is removed again with
 * {@link NO_KEY_HEADERS}. Sending no key is deliberate: falling back to the environment's
 * OPENAI_API_KEY or ANTHROPIC_API_KEY would hand a real key to an arbitrary server.
 */
export const NO_KEY = 'metaorch-no-key';

/** Default headers that drop the placeholder key's `Authorization` header (a `null` removes it). */
export const NO_KEY_HEADERS: Record<string, null> = { Authorization: null };
