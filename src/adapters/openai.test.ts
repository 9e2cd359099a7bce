import { afterEach, describe, expect, it } from 'vitest';
import { createRandom } from '../model/random.js';
import { leaksSecret } from '../model/redact.js';
import { AdapterError } from './errors.js';
import { createOpenAIAdapter, openaiOptionsSchema } from './openai.js';
import type { OpenAIOptions } from './openai.js';
import type { AdapterRequest } from './types.js';
import { openaiCompletion, openaiError, startFakeOpenAI, startScriptedServer } from '../../test/support/fake-openai-server.js';
import type { FakeServer } from '../../test/support/fake-openai-server.js';

const KEY = 'sk-test-SECRET-0123456789';
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

async function setup(options: Partial<OpenAIOptions> = {}, fake: Parameters<typeof startFakeOpenAI>[0] = {}) {
  server = await startFakeOpenAI(fake);
  const adapter = createOpenAIAdapter({ model: 'gpt-test', baseURL: server.url, apiKey: KEY, ...options }, ctx);
  return { server, adapter };
}

describe('openai adapter', () => {
  it('sends the chat request and returns the output with usage', async () => {
    const { server, adapter } = await setup(
      { temperature: 0.2, maxTokens: 50, topP: 0.9, stop: ['\n\n'], params: { seed: 7 }, headers: { 'x-trace': 'abc' } },
      { replies: [{ body: openaiCompletion('Paris', { input: 12, output: 1 }) }] },
    );
    const response = await adapter.call(request('Capital of France?', { system: 'Answer in one word.' }));
    expect(response).toEqual({ output: 'Paris', tokens: { input: 12, output: 1 } });

    const sent = server.requests[0];
    expect(sent?.path).toBe('/v1/chat/completions');
    expect(sent?.headers['authorization']).toBe(`Bearer ${KEY}`);
    expect(sent?.headers['x-trace']).toBe('abc');
    expect(sent?.body).toEqual({
      model: 'gpt-test',
      messages: [
        { role: 'system', content: 'Answer in one word.' },
        { role: 'user', content: 'Capital of France?' },
      ],
      temperature: 0.2,
      top_p: 0.9,
      stop: ['\n\n'],
      max_tokens: 50,
      seed: 7,
      stream: false,
    });
  });

  it('merges params over the sampling fields but never over model, messages or stream', async () => {
    const { server, adapter } = await setup(
      { temperature: 0.2, params: { temperature: 1, model: 'other', messages: [], stream: true } },
      { replies: [{ body: openaiCompletion('x') }] },
    );
    await adapter.call(request('hi'));
    expect(server.requests[0]?.body).toMatchObject({ model: 'gpt-test', temperature: 1, stream: false, messages: [{ role: 'user', content: 'hi' }] });
  });

  it('answers from the request in computed mode and sends no key when none is configured', async () => {
    server = await startFakeOpenAI({ answers: { France: 'Paris', Japan: 'Tokyo' } });
    const adapter = createOpenAIAdapter({ model: 'local', baseURL: server.url }, ctx);
    expect((await adapter.call(request('Capital of Japan?'))).output).toBe('Tokyo');
    expect((await adapter.call(request('Capital of Peru?'))).output).toBe('ok');
    expect(server.requests[0]?.headers['authorization']).toBeUndefined();
  });

  it('maps 429 with Retry-After to a retryable rate_limit error', async () => {
    const { adapter } = await setup({}, { replies: [openaiError(429, 'Rate limit reached', 'rate_limit_exceeded', { 'retry-after': '3' })] });
    const err = await failure(adapter.call(request('hi')));
    expect(err).toMatchObject({ kind: 'rate_limit', status: 429, retryable: true, retryAfterMs: 3000 });
    expect(err.message).toContain('Rate limit reached');
  });

  it('maps 500 to a retryable server error', async () => {
    const { adapter } = await setup({}, { replies: [openaiError(500, 'boom', 'server_error')] });
    expect(await failure(adapter.call(request('hi')))).toMatchObject({ kind: 'server', status: 500, retryable: true });
  });

  it('maps 400 to a client error that is not retried', async () => {
    const { adapter } = await setup({}, { replies: [openaiError(400, "Unsupported parameter: 'max_tokens'")] });
    const err = await failure(adapter.call(request('hi')));
    expect(err).toMatchObject({ kind: 'client', status: 400, retryable: false });
    expect(err.message).toContain("Unsupported parameter: 'max_tokens'");
  });

  it('never shows the API key, even when the server echoes it back', async () => {
    const { adapter } = await setup(
      { headers: { 'api-key': 'azure-SECRET-987654' } },
      {
        respond: (req) =>
          openaiError(401, `bad credentials: ${req.headers['authorization']} / ${req.headers['api-key']}`, 'invalid_api_key'),
      },
    );
    const err = await failure(adapter.call(request('hi')));
    expect(err).toMatchObject({ kind: 'client', status: 401, retryable: false });
    expect(err.message).toContain('bad credentials');
    expect(err.message).not.toContain('SECRET');
    expect(JSON.stringify(err.toTrialError())).not.toContain('SECRET');
    expect(String(err.cause ?? '')).not.toContain('SECRET');
  });

  it('rejects promptly when the signal aborts a slow response', async () => {
    const { adapter } = await setup({}, { replies: [{ body: openaiCompletion('late'), delayMs: 10_000 }] });
    const controller = new AbortController();
    const reason = new Error('trial timeout');
    setTimeout(() => controller.abort(reason), 100);
    const started = Date.now();
    await expect(adapter.call(request('hi', { signal: controller.signal }))).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const { server, adapter } = await setup();
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    await expect(adapter.call(request('hi', { signal: controller.signal }))).rejects.toThrow('cancelled');
    expect(server.requests).toHaveLength(0);
  });

  it('never quotes a 200 body that is not JSON: a server echoing the key first leaks no piece of it', async () => {
    const { adapter } = await setup({}, { respond: (req) => ({ raw: `${(req.headers['authorization'] ?? '').slice(7)} rejected` }) });
    const err = await failure(adapter.call(request('hi')));
    expect(err).toMatchObject({ kind: 'invalid_output', retryable: false });
    expect(err.message).toBe('openai: response body is not valid JSON');
    expect(leaksSecret(JSON.stringify(err.toTrialError()), [KEY])).toBe(false);
  });

  it('blanks pieces of the key a server echoes in an error, wherever it cut it', async () => {
    for (const cut of [0, 5, 10, KEY.length - 6]) {
      const { adapter } = await setup({}, { respond: () => openaiError(401, `key ...${KEY.slice(cut)} is invalid; expected ${KEY.slice(0, cut + 6)}...`, 'invalid_api_key') });
      const err = await failure(adapter.call(request('hi')));
      expect(err.message).toContain('is invalid');
      expect(leaksSecret(err.message, [KEY]), err.message).toBe(false);
      await server?.close();
      server = undefined;
    }
  });

  it('maps a malformed JSON body to invalid_output', async () => {
    const { adapter } = await setup({}, { replies: [{ raw: '{"choices": [' }] });
    expect(await failure(adapter.call(request('hi')))).toMatchObject({ kind: 'invalid_output', retryable: false });
  });

  it('maps a non-JSON body and a body without choices to invalid_output', async () => {
    const { adapter } = await setup(
      {},
      { replies: [{ raw: '<html>gateway</html>', headers: { 'content-type': 'text/html' } }, { body: { choices: [] } }, { body: { foo: 1 } }] },
    );
    const html = await failure(adapter.call(request('hi')));
    expect(html).toMatchObject({ kind: 'invalid_output', retryable: false });
    expect(html.message).toContain('not JSON');
    expect((await failure(adapter.call(request('hi')))).message).toContain('no choices');
    expect((await failure(adapter.call(request('hi')))).message).toContain('choices');
  });

  it('treats a null content as an empty output and missing usage as no tokens', async () => {
    const { adapter } = await setup({}, { replies: [{ body: { choices: [{ message: { role: 'assistant', content: null, refusal: 'no' } }] } }] });
    expect(await adapter.call(request('hi'))).toEqual({ output: '' });
  });

  it('maps a refused connection to a retryable network error', async () => {
    const closed = await startScriptedServer({ respond: () => ({}) });
    await closed.close();
    const adapter = createOpenAIAdapter({ model: 'm', baseURL: `http://127.0.0.1:${closed.port}/v1`, apiKey: KEY }, ctx);
    const err = await failure(adapter.call(request('hi')));
    expect(err).toMatchObject({ kind: 'network', retryable: true });
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('maps a dropped connection to a retryable network error', async () => {
    const { adapter } = await setup({}, { replies: [{ destroy: true }] });
    expect(await failure(adapter.call(request('hi')))).toMatchObject({ kind: 'network', retryable: true });
  });

  it('fails at creation when api.openai.com has no key', () => {
    const saved = process.env['OPENAI_API_KEY'];
    delete process.env['OPENAI_API_KEY'];
    try {
      expect(() => createOpenAIAdapter({ model: 'gpt-4o-mini' }, ctx)).toThrow(/OPENAI_API_KEY/);
    } finally {
      if (saved !== undefined) process.env['OPENAI_API_KEY'] = saved;
    }
  });

  it('describes every option for the generated JSON Schema', () => {
    for (const [name, field] of Object.entries(openaiOptionsSchema.shape)) {
      expect(field.description, name).toBeTruthy();
    }
  });
});
