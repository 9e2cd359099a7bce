import { afterEach, describe, expect, it } from 'vitest';
import { createRandom } from '../model/random.js';
import { anthropicOptionsSchema, createAnthropicAdapter } from './anthropic.js';
import type { AnthropicOptions } from './anthropic.js';
import { AdapterError } from './errors.js';
import type { AdapterRequest } from './types.js';
import { anthropicError, anthropicMessage, startFakeAnthropic } from '../../test/support/fake-anthropic-server.js';
import type { FakeAnthropicOptions } from '../../test/support/fake-anthropic-server.js';
import { startScriptedServer } from '../../test/support/fake-openai-server.js';
import type { FakeServer } from '../../test/support/fake-openai-server.js';

const KEY = 'sk-ant-test-SECRET-0123456789';
const ctx = { baseDir: process.cwd() };

function request(prompt: string, extra: Partial<AdapterRequest> = {}): AdapterRequest {
  return { prompt, task: { id: 't1', input: {} }, signal: new AbortController().signal, rng: createRandom(1), attempt: 1, ...extra };
}

async function failure(promise: Promise<unknown>): Promise<AdapterError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AdapterError);
  return err as AdapterError;
}

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(options: Partial<AnthropicOptions> = {}, fake: FakeAnthropicOptions = {}) {
  server = await startFakeAnthropic(fake);
  const adapter = createAnthropicAdapter({ model: 'claude-test', baseURL: server.url, apiKey: KEY, ...options }, ctx);
  return { server, adapter };
}

describe('anthropic adapter', () => {
  it('sends the Messages request and returns the text with usage', async () => {
    const usage = { input_tokens: 20, output_tokens: 3, cache_read_input_tokens: 100, cache_creation_input_tokens: 5 };
    const { server, adapter } = await setup(
      { stop: 'END', params: { metadata: { user_id: 'u1' } }, headers: { 'anthropic-beta': 'x-2026' } },
      {
        replies: [
          {
            body: {
              ...(anthropicMessage('') as object),
              content: [
                { type: 'thinking', thinking: 'hmm', signature: 's' },
                { type: 'text', text: 'Par' },
                { type: 'text', text: 'is' },
              ],
              usage,
            },
          },
        ],
      },
    );
    const response = await adapter.call(request('Capital of France?', { system: 'One word.' }));
    expect(response).toEqual({ output: 'Paris', tokens: { input: 125, output: 3 } });

    const sent = server.requests[0];
    expect(sent?.path).toBe('/v1/messages');
    expect(sent?.headers['authorization']).toBe(`Bearer ${KEY}`);
    expect(sent?.headers['anthropic-beta']).toBe('x-2026');
    expect(sent?.headers['anthropic-version']).toBeTruthy();
    expect(sent?.body).toEqual({
      model: 'claude-test',
      max_tokens: 1024,
      stop_sequences: ['END'],
      metadata: { user_id: 'u1' },
      system: 'One word.',
      messages: [{ role: 'user', content: 'Capital of France?' }],
      stream: false,
    });
  });

  it('answers from the request in computed mode and sends no key when none is configured', async () => {
    server = await startFakeAnthropic({ answers: { France: 'Paris' } });
    const adapter = createAnthropicAdapter({ model: 'local', baseURL: server.url, maxTokens: 10 }, ctx);
    expect(await adapter.call(request('Capital of France?'))).toEqual({ output: 'Paris', tokens: { input: 3, output: 1 } });
    expect(server.requests[0]?.headers['authorization']).toBeUndefined();
    expect(server.requests[0]?.headers['x-api-key']).toBeUndefined();
    expect((server.requests[0]?.body as { max_tokens?: number }).max_tokens).toBe(10);
  });

  it('maps 429 with Retry-After to a retryable rate_limit error', async () => {
    const { adapter } = await setup({}, { replies: [anthropicError(429, 'rate_limit_error', 'Slow down', { 'retry-after': '7' })] });
    const err = await failure(adapter.call(request('hi')));
    expect(err).toMatchObject({ kind: 'rate_limit', status: 429, retryable: true, retryAfterMs: 7000 });
    expect(err.message).toBe('anthropic: HTTP 429 rate_limit_error: Slow down');
  });

  it('maps 500 and 529 (overloaded) to retryable server errors', async () => {
    const { adapter } = await setup(
      {},
      { replies: [anthropicError(500, 'api_error', 'boom'), anthropicError(529, 'overloaded_error', 'Overloaded')] },
    );
    expect(await failure(adapter.call(request('hi')))).toMatchObject({ kind: 'server', status: 500, retryable: true });
    expect(await failure(adapter.call(request('hi')))).toMatchObject({ kind: 'server', status: 529, retryable: true });
  });

  it('maps 400 to a client error that is not retried', async () => {
    const { adapter } = await setup({}, { replies: [anthropicError(400, 'invalid_request_error', 'max_tokens: too large')] });
    const err = await failure(adapter.call(request('hi')));
    expect(err).toMatchObject({ kind: 'client', status: 400, retryable: false });
    expect(err.message).toContain('max_tokens: too large');
  });

  it('never shows the API key, even when the server echoes it back', async () => {
    const { adapter } = await setup(
      { headers: { 'x-api-key': 'xkey-SECRET-987654' } },
      {
        respond: (req) =>
          anthropicError(401, 'authentication_error', `invalid: ${req.headers['authorization']} ${req.headers['x-api-key']}`),
      },
    );
    const err = await failure(adapter.call(request('hi')));
    expect(err).toMatchObject({ kind: 'client', status: 401, retryable: false });
    expect(err.message).toContain('invalid');
    expect(err.message).not.toContain('SECRET');
    expect(String(err.cause ?? '')).not.toContain('SECRET');
  });

  it('rejects promptly when the signal aborts a slow response', async () => {
    const { adapter } = await setup({}, { replies: [{ body: anthropicMessage('late'), delayMs: 10_000 }] });
    const controller = new AbortController();
    const reason = new Error('trial timeout');
    setTimeout(() => controller.abort(reason), 100);
    const started = Date.now();
    await expect(adapter.call(request('hi', { signal: controller.signal }))).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('maps a malformed JSON body and a body without content to invalid_output', async () => {
    const { adapter } = await setup({}, { replies: [{ raw: '{"content": [' }, { body: { type: 'message' } }] });
    expect(await failure(adapter.call(request('hi')))).toMatchObject({ kind: 'invalid_output', retryable: false });
    const shape = await failure(adapter.call(request('hi')));
    expect(shape).toMatchObject({ kind: 'invalid_output', retryable: false });
    expect(shape.message).toContain('content');
  });

  it('maps a refused connection to a retryable network error', async () => {
    const closed = await startScriptedServer({ respond: () => ({}) });
    await closed.close();
    const adapter = createAnthropicAdapter({ model: 'm', baseURL: `http://127.0.0.1:${closed.port}`, apiKey: KEY }, ctx);
    const err = await failure(adapter.call(request('hi')));
    expect(err).toMatchObject({ kind: 'network', retryable: true });
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('says how to fix missing credentials for api.anthropic.com', async () => {
    const saved = { key: process.env['ANTHROPIC_API_KEY'], token: process.env['ANTHROPIC_AUTH_TOKEN'], home: process.env['HOME'] };
    delete process.env['ANTHROPIC_API_KEY'];
    delete process.env['ANTHROPIC_AUTH_TOKEN'];
    process.env['HOME'] = '/nonexistent-metaorch-home';
    try {
      const adapter = createAnthropicAdapter({ model: 'claude-test' }, ctx);
      const err = await failure(adapter.call(request('hi')));
      expect(err).toMatchObject({ kind: 'client', retryable: false });
      expect(err.message).toContain('ANTHROPIC_API_KEY');
    } finally {
      for (const [name, value] of [['ANTHROPIC_API_KEY', saved.key], ['ANTHROPIC_AUTH_TOKEN', saved.token], ['HOME', saved.home]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('describes every option for the generated JSON Schema', () => {
    for (const [name, field] of Object.entries(anthropicOptionsSchema.shape)) {
      expect(field.description, name).toBeTruthy();
    }
  });
});
