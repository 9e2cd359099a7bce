/**
 * `metaorch gateway` serving OpenAI's Responses API (`POST /v1/responses`, what codex speaks) and the
 * access answers over real HTTP: the built CLI in front of aimock (OpenAI chat and Anthropic Messages
 * upstreams) and a failing fake server, called by the official `openai` SDK (and by raw fetch with
 * the request codex really sends); the store read back with SQLite.
 */
import Anthropic from '@anthropic-ai/sdk';
import Database from 'better-sqlite3';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAimock, type Aimock, type AimockFixture } from '../support/aimock.js';
import { startGateway as startGatewayProcess, stopChild, untilRecorded } from '../support/gateway.js';
import { openaiCompletion, startScriptedServer, type FakeServer } from '../support/fake-openai-server.js';

const KEY = 'gw-resp-key-0123456789';
const BROKE = 'gw-broke-key-0123456789';
const SECRET = 'sk-upstream-secret-555444333';

const fixtures: AimockFixture[] = [
  { match: { toolResultContains: '"temp"' }, response: { content: 'It is 18 degrees in Paris.' } } as never,
  { match: { userMessage: 'weather' }, response: { toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}' }] } as never },
  { match: { userMessage: 'France' }, response: { content: 'Paris is the capital.', usage: { prompt_tokens: 12, completion_tokens: 5, input_tokens: 12, output_tokens: 5 } } },
  { match: {}, response: { content: 'Hello there.' } },
];

let dir: string;
let mock: Aimock;
let failing: FakeServer;
/** Answers its first 40 requests, then fails every one (a variant that goes down). */
let degrading: FakeServer;
let gateway: ChildProcess;
let url: string;
let db: string;

function yaml(mockUrl: string, failingUrl: string, degradingUrl: string): string {
  return `
seed: 11
maxBodySize: 64kb
keys:
  - name: app
    key: \${GW_KEY}
  - name: broke
    key: \${GW_BROKE}
    budget: { cost: 0.00001, period: day }
routes:
  - name: chat
    feedback: { wait: 10m }
    objective: { score: 1, error: 0 }
    variants:
      - id: gpt
        adapter: openai
        model: gpt-4o-mini
        baseURL: ${mockUrl}/v1
        apiKey: \${UPSTREAM_KEY}
        cost: { input: 1, output: 2 }
      - id: claude
        adapter: anthropic
        model: claude-haiku-4-5
        baseURL: ${mockUrl}
        apiKey: \${UPSTREAM_KEY}
        cost: { input: 1, output: 2 }
  - name: flaky
    fallbacks: 1
    snapshotEvery: 1
    policy: { name: uniform }
    breaker: { failures: 0 }
    feedback: { wait: 0, missing: 1 }
    variants:
      - id: broken
        adapter: openai
        model: broken-model
        baseURL: ${failingUrl}/v1
      - id: steady
        adapter: openai
        model: gpt-4o-mini
        baseURL: ${mockUrl}/v1
  - name: watched
    fallbacks: 1
    policy: { name: uniform }
    breaker: { failures: 0 }
    controller: { warmup: 20 }
    feedback: { wait: 0, missing: 1 }
    variants:
      - id: down
        adapter: openai
        model: degrading-model
        baseURL: ${degradingUrl}/v1
      - id: up
        adapter: openai
        model: gpt-4o-mini
        baseURL: ${mockUrl}/v1
`;
}

const env = { GW_KEY: KEY, GW_BROKE: BROKE, UPSTREAM_KEY: SECRET };

const startGateway = () => startGatewayProcess({ config: join(dir, 'gateway.yaml'), db, cwd: dir, env });
const stop = stopChild;

const openai = (key = KEY) => new OpenAI({ apiKey: key, baseURL: `${url}/v1`, maxRetries: 0 });
const anthropic = (key = KEY) => new Anthropic({ apiKey: key, baseURL: url, maxRetries: 0 });

function read<T>(sql: string, ...params: unknown[]): T[] {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare(sql).all(...params) as T[];
  } finally {
    d.close();
  }
}

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}`, ...headers } });

/** The events of a Responses SSE body, in order. */
function sseEvents(text: string): { event: string; data: Record<string, unknown> }[] {
  return text.split('\n\n').filter((b) => b.trim() !== '').map((block) => {
    const event = /^event: (.*)$/m.exec(block)?.[1] ?? '';
    const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null') as Record<string, unknown>;
    return { event, data };
  });
}

const weatherTool: OpenAI.Responses.FunctionTool = {
  type: 'function', name: 'get_weather', strict: false, description: 'The weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'metaorch-gateway-responses-'));
  db = join(dir, 'store.db');
  mock = await startAimock(fixtures);
  failing = await startScriptedServer({ respond: () => ({ status: 500, body: { error: { message: 'upstream is down', type: 'server_error' } } }) });
  let served = 0;
  degrading = await startScriptedServer({
    respond: () => (served++ < 40 ? { status: 200, body: openaiCompletion('Hello there.') } : { status: 500, body: { error: { message: 'down now', type: 'server_error' } } }),
  });
  writeFileSync(join(dir, 'gateway.yaml'), yaml(mock.url, failing.url, degrading.url));
  ({ child: gateway, url } = await startGateway());
}, 60_000);

afterAll(async () => {
  if (gateway) await stop(gateway);
  await mock?.stop();
  await failing?.close();
  await degrading?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('metaorch gateway: the Responses API', () => {
  it('answers responses.create, not streamed, from an OpenAI and a translated Anthropic variant, with the routing headers', async () => {
    for (const variant of ['gpt', 'claude']) {
      const { data, response } = await openai().responses.create({ model: `chat/${variant}`, instructions: 'Be brief.', input: 'What is the capital of France?' }).withResponse();
      expect(data.object).toBe('response');
      expect(data.status).toBe('completed');
      expect(data.id).toMatch(/^resp_/);
      expect(data.output_text).toBe('Paris is the capital.');
      expect(data.output[0]).toMatchObject({ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Paris is the capital.' }] });
      expect(data.usage).toMatchObject({ input_tokens: 12, output_tokens: 5, total_tokens: 17 });
      expect(data.instructions).toBe('Be brief.');
      expect(response.headers.get('x-metaorch-route')).toBe('chat');
      expect(response.headers.get('x-metaorch-variant')).toBe(variant);
      expect(response.headers.get('x-metaorch-trial')).toMatch(/^[^/]+\/\d+$/);
    }
    // The upstreams got the translated request: instructions as the system prompt.
    const requests = (await mock.requests()).filter((r) => JSON.stringify(r.body).includes('capital of France'));
    const chat = requests.find((r) => r.path === '/v1/chat/completions')!;
    expect(chat.body.messages).toEqual([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'What is the capital of France?' }]);
    // (aimock's journal keeps a Messages request in its chat shape: the system prompt as a system message)
    const messages = requests.find((r) => r.path === '/v1/messages')!;
    expect(messages.body.messages![0]).toEqual({ role: 'system', content: 'Be brief.' });
  });

  it('streams the Responses event sequence from both kinds of upstream, usage in response.completed', async () => {
    for (const variant of ['gpt', 'claude']) {
      const stream = await openai().responses.create({ model: `chat/${variant}`, input: 'What is the capital of France?', stream: true });
      const types: string[] = [];
      let text = '';
      let completed: OpenAI.Responses.Response | null = null;
      const sequence: number[] = [];
      for await (const event of stream) {
        types.push(event.type);
        sequence.push(event.sequence_number);
        if (event.type === 'response.output_text.delta') text += event.delta;
        if (event.type === 'response.completed') completed = event.response;
      }
      expect(text).toBe('Paris is the capital.');
      expect(types[0]).toBe('response.created');
      expect(types.at(-1)).toBe('response.completed');
      const order = ['response.created', 'response.output_item.added', 'response.content_part.added', 'response.output_text.delta', 'response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed'];
      expect(order.map((t) => types.indexOf(t))).toEqual([...order.map((t) => types.indexOf(t))].sort((a, b) => a - b));
      expect(order.every((t) => types.includes(t))).toBe(true);
      expect(sequence).toEqual(sequence.map((_, i) => i));
      expect(completed?.status).toBe('completed');
      expect(completed?.output[0]).toMatchObject({ type: 'message', content: [{ type: 'output_text', text: 'Paris is the capital.' }] });
      expect(completed?.usage).toMatchObject({ input_tokens: 12, output_tokens: 5 });
      // The SDK's helper reads the same stream into a final response.
      const final = await openai().responses.stream({ model: `chat/${variant}`, input: 'What is the capital of France?' }).finalResponse();
      expect(final.output_text).toBe('Paris is the capital.');
    }
  });

  it('round-trips a function tool call, streamed and not, through both kinds of upstream', async () => {
    for (const variant of ['gpt', 'claude']) {
      const first = await openai().responses.create({ model: `chat/${variant}`, tools: [weatherTool], input: 'What is the weather in Paris?' });
      const call = first.output.find((o): o is OpenAI.Responses.ResponseFunctionToolCall => o.type === 'function_call');
      expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', status: 'completed' });
      expect(JSON.parse(call!.arguments)).toEqual({ city: 'Paris' });
      expect(call!.call_id).not.toBe('');

      const input: OpenAI.Responses.ResponseInput = [
        { role: 'user', content: 'What is the weather in Paris?' },
        call!,
        { type: 'function_call_output', call_id: call!.call_id, output: '{"temp": 18}' },
      ];
      const second = await openai().responses.create({ model: `chat/${variant}`, tools: [weatherTool], input });
      expect(second.output_text).toBe('It is 18 degrees in Paris.');

      // Streamed: the call's arguments arrive as deltas, then the item is done.
      const stream = await openai().responses.create({ model: `chat/${variant}`, tools: [weatherTool], input: 'What is the weather in Paris?', stream: true });
      let args = '';
      let done: OpenAI.Responses.ResponseOutputItem | null = null;
      for await (const event of stream) {
        if (event.type === 'response.function_call_arguments.delta') args += event.delta;
        if (event.type === 'response.output_item.done') done = event.item;
      }
      expect(JSON.parse(args)).toEqual({ city: 'Paris' });
      expect(done).toMatchObject({ type: 'function_call', name: 'get_weather', arguments: args });
      const again = await openai().responses.stream({ model: `chat/${variant}`, tools: [weatherTool], input }).finalResponse();
      expect(again.output_text).toBe('It is 18 degrees in Paris.');
    }
    // The call and the tool's output reached each upstream in its own API (aimock's journal shows both
    // in the chat shape: a tool_use block as a tool call, a tool_result block as a tool message).
    const requests = (await mock.requests()).filter((r) => JSON.stringify(r.body).includes('temp'));
    for (const path of ['/v1/chat/completions', '/v1/messages']) {
      const got = requests.find((r) => r.path === path)!;
      expect(got.body.messages!.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
      expect(JSON.stringify(got.body.messages)).toContain('{\\"city\\":\\"Paris\\"}');
    }
  });

  it('serves the request codex sends: developer messages, reasoning items, hosted and namespace tools, store false', async () => {
    // The shape codex 0.171 sends (captured against aimock): no instructions, developer messages,
    // function tools beside a namespace and web_search, a reasoning item from the previous turn.
    const body = {
      model: 'chat/gpt', stream: true, store: false, include: ['reasoning.encrypted_content'], reasoning: { summary: 'auto' }, tool_choice: 'auto', parallel_tool_calls: true,
      prompt_cache_key: 'abc', client_metadata: { session_id: 'abc' },
      input: [
        { type: 'message', id: 'msg_1', role: 'developer', content: [{ type: 'input_text', text: 'You are a coding agent running in the Codex CLI.' }] },
        { type: 'message', id: 'msg_2', role: 'user', content: [{ type: 'input_text', text: '<environment_context>cwd</environment_context>' }] },
        { type: 'message', id: 'msg_3', role: 'user', content: [{ type: 'input_text', text: 'What is the weather in Paris?' }] },
        { type: 'reasoning', summary: [], content: null, encrypted_content: 'b3BhcXVl' },
        { type: 'function_call', status: 'completed', name: 'exec_command', arguments: '{"cmd":"curl wttr.in/Paris"}', call_id: 'call_9' },
        { type: 'function_call_output', id: 'fco_1', call_id: 'call_9', output: '{"temp": 18}' },
      ],
      tools: [
        { type: 'function', name: 'exec_command', description: 'Runs a command', strict: false, parameters: { type: 'object', properties: { cmd: { type: 'string' } } } },
        { type: 'namespace', name: 'multi_agent_v1', description: 'Sub-agents', tools: [] },
        { type: 'web_search', external_web_access: false },
      ],
    };
    const r = await post('/v1/responses', JSON.stringify(body), { accept: 'text/event-stream' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/event-stream');
    const events = sseEvents(await r.text());
    expect(events.every((e) => e.event === e.data['type'])).toBe(true);
    const completed = events.at(-1)!;
    expect(completed.event).toBe('response.completed');
    const output = (completed.data['response'] as OpenAI.Responses.Response).output;
    expect(output[0]).toMatchObject({ type: 'message', content: [{ type: 'output_text', text: 'It is 18 degrees in Paris.' }] });
    const upstream = (await mock.requests()).filter((q) => JSON.stringify(q.body).includes('Codex CLI')).at(-1)!;
    expect(upstream.body.messages!.map((m) => m.role)).toEqual(['system', 'user', 'user', 'assistant', 'tool']);
    expect((upstream.body['tools'] as { function: { name: string } }[]).map((t) => t.function.name)).toEqual(['exec_command']);
  });

  it('falls back on a retryable upstream error, records the trial, and takes feedback by the response id', async () => {
    const { data, response } = await openai().responses.create({ model: 'flaky', input: 'hi' }).withResponse();
    expect(data.output_text).toBe('Hello there.');
    expect(response.headers.get('x-metaorch-route')).toBe('flaky');
    const answered = await openai().responses.create({ model: 'chat/gpt', input: 'What is the capital of France?' }).withResponse();
    const trial = answered.response.headers.get('x-metaorch-trial')!;
    const fb = await post('/v1/feedback', JSON.stringify({ response_id: answered.data.id, score: 0.75 }));
    expect(await fb.json()).toMatchObject({ trial_id: trial, outcome: 'learned' });
    await untilRecorded(db, trial);
    const [runId, seq] = trial.split('/');
    const row = read<{ prompt: string; output: string; score: number; variant_id: string; cost: number }>('SELECT prompt, output, score, variant_id, cost FROM trials WHERE run_id = ? AND seq = ?', runId, Number(seq))[0]!;
    expect(row.prompt).toContain('capital of France');
    expect(row.output).toBe('Paris is the capital.');
    expect(row.score).toBe(0.75);
    expect(row.cost).toBeCloseTo((12 * 1 + 5 * 2) / 1e6);
    const everything = read<{ t: string }>("SELECT group_concat(COALESCE(prompt, '') || COALESCE(output, '') || COALESCE(error, '') || COALESCE(attempts, ''), '') AS t FROM trials")[0]!.t;
    expect(everything).not.toContain(SECRET);
  });

  it('answers bad JSON, an oversized body, a wrong key, an unknown model, unsupported fields and unknown paths in OpenAI’s format', async () => {
    const badJson = await post('/v1/responses', '{"model": "chat", ');
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ error: { type: 'invalid_request_error' } });

    const big = JSON.stringify({ model: 'chat', input: 'x'.repeat(100 * 1024) });
    const tooBig = await post('/v1/responses', big);
    expect(tooBig.status).toBe(413);
    expect(await tooBig.json()).toMatchObject({ error: { code: 'request_too_large' } });

    await expect(openai('wrong-key').responses.create({ model: 'chat', input: 'hi' })).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
    // A wrong key sent the way codex or Anthropic-style clients send it is refused in OpenAI's format too.
    const wrongHeader = await fetch(`${url}/v1/responses`, { method: 'POST', body: '{}', headers: { 'x-api-key': 'wrong-key' } });
    expect(wrongHeader.status).toBe(401);
    expect(await wrongHeader.json()).toMatchObject({ error: { code: 'invalid_api_key' } });

    await expect(openai().responses.create({ model: 'nope', input: 'hi' })).rejects.toMatchObject({ status: 404, code: 'model_not_found', param: 'model' });
    await expect(openai().responses.create({ model: 'chat', input: 'hi', previous_response_id: 'resp_123' })).rejects.toMatchObject({ status: 400, param: 'previous_response_id' });
    const noInput = await post('/v1/responses', JSON.stringify({ model: 'chat' }));
    expect(noInput.status).toBe(400);
    expect(await noInput.json()).toMatchObject({ error: { type: 'invalid_request_error', param: 'input' } });
    const badItem = await post('/v1/responses', JSON.stringify({ model: 'chat', input: [{ type: 'item_reference', id: 'msg_1' }] }));
    expect(badItem.status).toBe(400);
    expect(((await badItem.json()) as { error: { message: string } }).error.message).toContain('item_reference');

    const getOne = await fetch(`${url}/v1/responses/resp_123`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(getOne.status).toBe(404);
    expect(await getOne.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
    const unknown = await post('/v1/nothing-here', '{}');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toContain('POST /v1/responses');
  });

  it('GET /health says ok and lists each route with its run and trial count', async () => {
    const r = await fetch(`${url}/health`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    const health = (await r.json()) as { status: string; routes: { route: string; run: string; trials: number }[] };
    expect(health.status).toBe('ok');
    expect(health.routes.map((x) => x.route)).toEqual(['chat', 'flaky', 'watched']);
    const runs = read<{ id: string; name: string }>('SELECT id, name FROM runs');
    for (const route of health.routes) {
      expect(route.run).toBe(runs.find((x) => x.name === `gateway/${route.route}`)!.id);
      expect(route.trials).toBe(read<{ n: number }>('SELECT COUNT(*) AS n FROM trials WHERE run_id = ?', route.run)[0]!.n);
    }
  });

  it('refuses a key whose cost budget is spent with 429 in each wire format, also after a restart', async () => {
    // One answer costs (12 + 5 * 2) / 1e6 dollars, more than the key's budget of 0.00001.
    await openai(BROKE).chat.completions.create({ model: 'chat/gpt', messages: [{ role: 'user', content: 'What is the capital of France?' }] });
    await openai(BROKE).chat.completions.create({ model: 'chat/gpt', messages: [{ role: 'user', content: 'hi' }] }).catch(() => undefined);
    const check = async () => {
      const chat = await openai(BROKE).chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
      expect(chat).toMatchObject({ status: 429, code: 'insufficient_quota', type: 'insufficient_quota' });
      const retryAfter = Number((chat as { headers: Headers }).headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(86_400);
      const resp = await openai(BROKE).responses.create({ model: 'chat', input: 'hi' }).catch((e: unknown) => e);
      expect(resp).toMatchObject({ status: 429, code: 'insufficient_quota' });
      const msg = await anthropic(BROKE).messages.create({ model: 'chat', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
      expect(msg).toMatchObject({ status: 429, error: { type: 'error', error: { type: 'rate_limit_error' } } });
      expect(((msg as { error: { error: { message: string } } }).error.error.message)).toContain("key 'broke' has spent its budget");
    };
    await check();
    // The other key is not limited.
    expect((await openai().responses.create({ model: 'chat/gpt', input: 'hi' })).output_text).toBe('Hello there.');
    await stop(gateway);
    ({ child: gateway, url } = await startGateway());
    await check();
  });

  it('records every try of a fallback, and a gateway killed and restarted learns the failed tries again', async () => {
    const chat = (content: string) => openai().chat.completions.create({ model: 'flaky', messages: [{ role: 'user', content }] }).withResponse();
    let trial = '';
    for (let i = 0; i < 12; i++) {
      const { response } = await chat(`question ${i}`);
      expect(response.headers.get('x-metaorch-variant')).toBe('steady');
      trial = response.headers.get('x-metaorch-trial')!;
    }
    const runId = trial.split('/')[0]!;
    await untilRecorded(db, trial);
    await stop(gateway, 'SIGKILL');
    ({ child: gateway, url } = await startGateway());
    for (let i = 0; i < 4; i++) trial = (await chat(`after ${i}`)).response.headers.get('x-metaorch-trial')!;
    await untilRecorded(db, trial);

    // Every try is in its trial's attempts, naming the variant it went to.
    const trials = read<{ variant_id: string; attempts: string }>("SELECT variant_id, attempts FROM trials WHERE run_id = ? AND status = 'ok' ORDER BY seq", runId);
    const attempts = trials.map((t) => JSON.parse(t.attempts) as { n: number; variant: string; error?: { kind: string } }[]);
    const failedTries = attempts.filter((a) => a.length === 2);
    expect(failedTries.length).toBeGreaterThan(0);
    for (const a of failedTries) expect(a).toMatchObject([{ n: 1, variant: 'broken', error: { kind: 'server' } }, { n: 2, variant: 'steady' }]);
    for (const a of attempts.filter((x) => x.length === 1)) expect(a).toMatchObject([{ n: 1, variant: 'steady' }]);
    expect(read<{ n: number }>("SELECT COUNT(*) AS n FROM events WHERE run_id = ? AND type = 'fallback'", runId)[0]!.n).toBe(failedTries.length);

    // The policy's snapshots (one per trial reward here) show what it knew: across two restarts (the
    // SIGTERM of the budget test and this SIGKILL) it never forgot a failed try nor learned one twice.
    const snapshots = read<{ data: string }>("SELECT data FROM events WHERE run_id = ? AND type = 'policy' ORDER BY seq", runId)
      .map((e) => JSON.parse(e.data) as { learned: number; snapshot: { counts: number[] } });
    expect(snapshots.length).toBe(trials.length);
    for (let i = 1; i < snapshots.length; i++) expect(snapshots[i]!.learned).toBeGreaterThan(snapshots[i - 1]!.learned);
    for (const s of snapshots) expect(s.snapshot.counts[0]! + s.snapshot.counts[1]!).toBe(s.learned);
    const last = snapshots.at(-1)!;
    expect(last.snapshot.counts).toEqual([failedTries.length, trials.length]);
    expect(last.learned).toBe(failedTries.length + trials.length);
  });

  it('lets the controller see every failed try: a variant whose failures fallbacks hide is taken out, and a restart replays the same', async () => {
    let trial = '';
    for (let i = 0; i < 160; i++) {
      const { data, response } = await openai().chat.completions.create({ model: 'watched', messages: [{ role: 'user', content: `w${i}` }] }).withResponse();
      // Every request is answered: only the failed tries tell that 'down' is down.
      expect(data.choices[0]!.message.content).toBe('Hello there.');
      trial = response.headers.get('x-metaorch-trial')!;
    }
    const runId = trial.split('/')[0]!;
    await untilRecorded(db, trial);
    expect(read<{ n: number }>("SELECT COUNT(*) AS n FROM trials WHERE run_id = ? AND status != 'ok'", runId)[0]!.n).toBe(0);
    // The controller acts on its clock (a second): wait for its decision.
    let decisions: { kind: string; target: string; detector: string | null }[] = [];
    for (let i = 0; i < 50 && decisions.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      decisions = read('SELECT kind, target, detector FROM decisions WHERE run_id = ? ORDER BY id', runId);
    }
    expect(decisions.length).toBeGreaterThan(0);
    expect(decisions[0]).toMatchObject({ kind: 'quarantine', target: 'down' });
    // Once out, 'down' is not tried first any more (the controller's steering); its probes aside, requests go to 'up' at once.
    const lastTrials = read<{ attempts: string }>('SELECT attempts FROM trials WHERE run_id = ? ORDER BY seq DESC LIMIT 10', runId);
    expect(lastTrials.filter((t) => (JSON.parse(t.attempts) as unknown[]).length > 1).length).toBeLessThan(5);
    // A restart rebuilds the controller from the trials (their attempts included) and reaches the same decisions.
    await stop(gateway);
    ({ child: gateway, url } = await startGateway());
    await openai().chat.completions.create({ model: 'watched', messages: [{ role: 'user', content: 'after' }] });
    const mismatches = read<{ data: string }>("SELECT data FROM events WHERE run_id = ? AND type = 'controller' AND data LIKE '%replay-mismatch%'", runId);
    expect(mismatches).toEqual([]);
    expect(read<{ n: number }>('SELECT COUNT(*) AS n FROM decisions WHERE run_id = ?', runId)[0]!.n).toBe(decisions.length);
  });
});
