/**
 * `metaorch gateway` end to end: the built CLI in front of aimock (a real mock LLM server speaking
 * OpenAI's and Anthropic's wire formats) and the project's fake servers, called by the official
 * `openai` and `@anthropic-ai/sdk` clients; the store read back with SQLite.
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
import { runCli } from '../support/cli.js';
import { startGateway as startGatewayProcess, stopChild, untilRecorded } from '../support/gateway.js';
import { startScriptedServer, type FakeServer } from '../support/fake-openai-server.js';

const KEY = 'gw-test-key-0123456789';
const SECRET = 'sk-upstream-secret-987654321';

const fixtures: AimockFixture[] = [
  { match: { userMessage: 'slow' }, response: { content: 'eventually' }, latencyMs: 20_000 },
  { match: { userMessage: 'weather' }, response: { toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}' }] } as never },
  { match: { userMessage: 'France' }, response: { content: 'Paris is the capital.', usage: { prompt_tokens: 12, completion_tokens: 5, input_tokens: 12, output_tokens: 5 } } },
  { match: {}, response: { content: 'Hello there.' } },
];

let dir: string;
let mock: Aimock;
let failing: FakeServer;
let gateway: ChildProcess;
let url: string;
let db: string;

function yaml(mockUrl: string, failingUrl: string): string {
  return `
seed: 7
maxBodySize: 64kb
keys:
  - name: app
    key: \${GW_KEY}
  - name: tiny
    key: \${GW_TINY}
    rateLimit: 60
    burst: 1
routes:
  - name: chat
    aliases: ["gpt-*", "claude-*"]
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
  - name: flaky
    fallbacks: 1
    policy: { name: uniform }
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
  - name: judged
    controller: {}
    feedback: { wait: 10m }
    judge:
      share: 1
      rubric: Correct and brief.
      variant: { id: grader, adapter: mock, reply: '{"score": 0.8, "reason": "correct"}' }
    variants:
      - { id: sim, adapter: mock, reply: 'Paris.' }
  - name: private
    storeContent: false
    variants:
      - id: only
        adapter: openai
        model: gpt-4o-mini
        baseURL: ${mockUrl}/v1
`;
}

const env = { GW_KEY: KEY, GW_TINY: 'gw-tiny-key-0123456789', UPSTREAM_KEY: SECRET };

const startGateway = () => startGatewayProcess({ config: join(dir, 'gateway.yaml'), db, cwd: dir, env });
const stop = stopChild;

function openai(key = KEY): OpenAI {
  return new OpenAI({ apiKey: key, baseURL: `${url}/v1`, maxRetries: 0 });
}

function anthropic(key = KEY): Anthropic {
  return new Anthropic({ apiKey: key, baseURL: url, maxRetries: 0 });
}

function read<T>(sql: string, ...params: unknown[]): T[] {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare(sql).all(...params) as T[];
  } finally {
    d.close();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'metaorch-gateway-'));
  db = join(dir, 'store.db');
  mock = await startAimock(fixtures);
  failing = await startScriptedServer({ respond: () => ({ status: 500, body: { error: { message: 'upstream is down', type: 'server_error' } } }) });
  writeFileSync(join(dir, 'gateway.yaml'), yaml(mock.url, failing.url));
  ({ child: gateway, url } = await startGateway());
}, 60_000);

afterAll(async () => {
  if (gateway) await stop(gateway);
  await mock?.stop();
  await failing?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('metaorch gateway', () => {
  it('answers the openai SDK, not streamed, from an OpenAI and a translated Anthropic variant, with the routing headers', async () => {
    for (const variant of ['gpt', 'claude']) {
      const { data, response } = await openai().chat.completions.create({ model: `chat/${variant}`, messages: [{ role: 'user', content: 'What is the capital of France?' }] }).withResponse();
      expect(data.choices[0]!.message.content).toBe('Paris is the capital.');
      expect(data.choices[0]!.finish_reason).toBe('stop');
      expect(data.usage?.prompt_tokens).toBe(12);
      expect(response.headers.get('x-metaorch-route')).toBe('chat');
      expect(response.headers.get('x-metaorch-variant')).toBe(variant);
      expect(response.headers.get('x-metaorch-trial')).toMatch(/^[^/]+\/\d+$/);
    }
  });

  it('streams to the openai SDK chunk by chunk, usage in the last chunk, from both kinds of upstream', async () => {
    for (const variant of ['gpt', 'claude']) {
      const stream = await openai().chat.completions.create({
        model: `chat/${variant}`, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'What is the capital of France?' }],
      });
      let text = '';
      let usage: OpenAI.CompletionUsage | null | undefined;
      let finish: string | null = null;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
        if (chunk.usage) usage = chunk.usage;
      }
      expect(text).toBe('Paris is the capital.');
      expect(finish).toBe('stop');
      expect(typeof usage?.total_tokens).toBe('number');
    }
  });

  it('passes tools through and translates tool calls both ways', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    for (const variant of ['gpt', 'claude']) {
      const c = await openai().chat.completions.create({ model: `chat/${variant}`, tools, tool_choice: 'auto', messages: [{ role: 'user', content: 'What is the weather in Paris?' }] });
      const call = c.choices[0]!.message.tool_calls?.[0];
      expect(c.choices[0]!.finish_reason).toBe('tool_calls');
      expect(call?.type === 'function' ? call.function.name : null).toBe('get_weather');
      expect(JSON.parse(call?.type === 'function' ? call.function.arguments : '{}')).toEqual({ city: 'Paris' });
      const stream = await openai().chat.completions.create({ model: `chat/${variant}`, tools, stream: true, messages: [{ role: 'user', content: 'What is the weather in Paris?' }] });
      let args = '';
      let name = '';
      for await (const chunk of stream) {
        // No usage chunk: this client did not ask for one.
        expect(chunk.usage ?? null).toBe(null);
        for (const t of chunk.choices[0]?.delta.tool_calls ?? []) {
          name += t.function?.name ?? '';
          args += t.function?.arguments ?? '';
        }
      }
      expect(name).toBe('get_weather');
      expect(JSON.parse(args)).toEqual({ city: 'Paris' });
    }
    const paths = (await mock.requests()).filter((r) => JSON.stringify(r.body).includes('get_weather')).map((r) => r.path);
    expect(new Set(paths)).toEqual(new Set(['/v1/chat/completions', '/v1/messages']));
  });

  it('answers the Anthropic SDK (as Claude Code would call it), streamed and not, from both kinds of upstream', async () => {
    for (const model of ['chat/claude', 'chat/gpt', 'claude-sonnet-4-5']) {
      const m = await anthropic().messages.create({ model, max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: 'What is the capital of France?' }] });
      expect(m.content[0]).toMatchObject({ type: 'text', text: 'Paris is the capital.' });
      expect(m.stop_reason).toBe('end_turn');
      const stream = anthropic().messages.stream({ model, max_tokens: 100, messages: [{ role: 'user', content: 'What is the capital of France?' }] });
      const final = await stream.finalMessage();
      expect(final.content[0]).toMatchObject({ type: 'text', text: 'Paris is the capital.' });
      expect(final.stop_reason).toBe('end_turn');
    }
    const tool = await anthropic().messages.create({
      model: 'chat/gpt', max_tokens: 100, tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
    });
    expect(tool.stop_reason).toBe('tool_use');
    expect(tool.content.find((b) => b.type === 'tool_use')).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } });
  });

  it('lists the routes and variants', async () => {
    const models = await openai().models.list();
    expect(models.data.map((m) => m.id)).toEqual(['chat', 'chat/gpt', 'chat/claude', 'flaky', 'flaky/broken', 'flaky/steady', 'judged', 'judged/sim', 'private', 'private/only']);
  });

  it('falls back to the next variant on a retryable upstream error, and says which served', async () => {
    let trial = '';
    for (let i = 0; i < 8; i++) {
      const { data, response } = await openai().chat.completions.create({ model: 'flaky', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
      expect(data.choices[0]!.message.content).toBe('Hello there.');
      expect(response.headers.get('x-metaorch-variant')).toBe('steady');
      trial = response.headers.get('x-metaorch-trial')!;
    }
    const runId = trial.split('/')[0]!;
    await untilRecorded(db, trial);
    const trials = read<{ variant_id: string; status: string; attempts: string }>('SELECT variant_id, status, attempts FROM trials WHERE run_id = ?', runId);
    expect(trials.every((t) => t.variant_id === 'steady' && t.status === 'ok')).toBe(true);
    const retried = trials.map((t) => JSON.parse(t.attempts) as { error?: { kind: string } }[]).filter((a) => a.length === 2);
    expect(retried.length).toBeGreaterThan(0);
    expect(retried[0]![0]!.error?.kind).toBe('server');
    expect(failing.requests.length).toBe(retried.length);
  });

  it('answers bad JSON, an oversized body, a wrong key, an unknown route and a rate limit in the wire format called', async () => {
    const post = (path: string, body: string, headers: Record<string, string> = {}) =>
      fetch(`${url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}`, ...headers } });
    const badJson = await post('/v1/chat/completions', '{"model": "chat", ');
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
    const badJsonA = await post('/v1/messages', '{nope', { 'anthropic-version': '2023-06-01' });
    expect(badJsonA.status).toBe(400);
    expect(await badJsonA.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });

    const big = JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'x'.repeat(100 * 1024) }] });
    const tooBig = await post('/v1/chat/completions', big);
    expect(tooBig.status).toBe(413);
    expect(((await tooBig.json()) as { error: { code: string } }).error.code).toBe('request_too_large');
    const tooBigA = await post('/v1/messages', big);
    expect(tooBigA.status).toBe(413);
    expect(await tooBigA.json()).toMatchObject({ type: 'error', error: { type: 'request_too_large' } });

    await expect(openai('wrong-key').chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
    await expect(anthropic('wrong-key').messages.create({ model: 'chat', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 401, error: { type: 'error', error: { type: 'authentication_error' } } });

    await expect(openai().chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
    await expect(anthropic().messages.create({ model: 'nope', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 404, error: { error: { type: 'not_found_error' } } });

    const nowhere = await post('/v1/completions', JSON.stringify({ model: 'chat', prompt: 'hi' }));
    expect(nowhere.status).toBe(404);
    expect(((await nowhere.json()) as { error: { message: string } }).error.message).toContain('No route for POST /v1/completions');

    const tiny = openai('gw-tiny-key-0123456789');
    await tiny.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] });
    const limited = await tiny.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(limited).toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
    expect((limited as { headers: Headers }).headers.get('retry-after')).toBe('1');
  });

  it('records every request as a trial of the route’s continuous run, never an upstream key, and only metadata with storeContent: false', async () => {
    const { response } = await openai().chat.completions.create({ model: 'private', messages: [{ role: 'user', content: 'What is the capital of France?' }] }).withResponse();
    await untilRecorded(db, response.headers.get('x-metaorch-trial')!);
    const runs = read<{ id: string; name: string; mode: string; status: string }>('SELECT id, name, mode, status FROM runs ORDER BY name');
    expect(runs.map((r) => [r.name, r.mode, r.status])).toEqual([
      ['gateway/chat', 'continuous', 'running'], ['gateway/flaky', 'continuous', 'running'], ['gateway/judged', 'continuous', 'running'], ['gateway/private', 'continuous', 'running'],
    ]);
    const priv = read<{ prompt: string | null; output: string | null; tokens_in: number; status: string }>("SELECT prompt, output, tokens_in, status FROM trials WHERE run_id = (SELECT id FROM runs WHERE name = 'gateway/private')");
    expect(priv).toEqual([{ prompt: '', output: null, tokens_in: 12, status: 'ok' }]);
    const chat = read<{ prompt: string; output: string; cost: number }>("SELECT prompt, output, cost FROM trials WHERE run_id = (SELECT id FROM runs WHERE name = 'gateway/chat') AND variant_id = 'gpt' AND status = 'ok' ORDER BY seq LIMIT 1");
    expect(chat[0]!.prompt).toContain('capital of France');
    expect(chat[0]!.output).toBe('Paris is the capital.');
    expect(chat[0]!.cost).toBeCloseTo((12 * 1 + 5 * 2) / 1e6);
    const everything = read<{ t: string }>("SELECT group_concat(COALESCE(prompt, '') || COALESCE(output, '') || COALESCE(error, '') || COALESCE(attempts, ''), '') AS t FROM trials")[0]!.t
      + read<{ t: string }>('SELECT group_concat(config) AS t FROM runs')[0]!.t + read<{ t: string }>('SELECT group_concat(data) AS t FROM events')[0]!.t;
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(KEY);
    const report = await runCli(['report', runs[0]!.id, '--db', db], { cwd: dir });
    expect(report.code).toBe(0);
    expect(report.stdout).toContain('gpt');
  });

  it('takes feedback minutes late and out of order, once per trial, by trial id or response id', async () => {
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await openai().chat.completions.create({ model: 'chat/gpt', messages: [{ role: 'user', content: `question ${i}` }] }).withResponse());
    const trials = answers.map((a) => a.response.headers.get('x-metaorch-trial')!);
    const feedback = (body: unknown) => fetch(`${url}/v1/feedback`, { method: 'POST', body: JSON.stringify(body), headers: { authorization: `Bearer ${KEY}` } });
    // Out of order: the last answer's feedback first, the first's by its response id, thumbs for the middle one.
    expect(await (await feedback({ trial_id: trials[2], score: 0.25 })).json()).toMatchObject({ outcome: 'learned' });
    expect(await (await feedback({ response_id: answers[0]!.data.id, thumbs: 'up' })).json()).toMatchObject({ outcome: 'learned', trial_id: trials[0] });
    expect(await (await feedback({ trial_id: trials[1], thumbs: 'down' })).json()).toMatchObject({ outcome: 'learned' });
    // Twice: recorded once, the first counts.
    expect(await (await feedback({ trial_id: trials[1], score: 1 })).json()).toMatchObject({ outcome: 'late' });
    const bad = await feedback({ trial_id: trials[1], score: 7 });
    expect(bad.status).toBe(400);
    const unknown = await feedback({ trial_id: `${trials[0]!.split('/')[0]}/99999` , score: 1 });
    expect(unknown.status).toBe(404);
    const [runId] = trials[0]!.split('/');
    const rows = read<{ seq: number; score: number; reward: number }>(
      `SELECT seq, score, reward FROM trials WHERE run_id = ? AND seq IN (${trials.map((t) => Number(t.split('/')[1])).join(',')}) ORDER BY seq`, runId,
    );
    expect(rows.map((r) => [r.score, r.reward])).toEqual([[1, 1], [0, 0], [0.25, 0.25]]);
    expect(read<{ n: number }>('SELECT COUNT(*) AS n FROM feedback WHERE run_id = ?', runId)[0]!.n).toBe(3);
  });

  it('grades answers with the route judge after they are sent (its score is the feedback); the controller watches the route', async () => {
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await openai().chat.completions.create({ model: 'judged', messages: [{ role: 'user', content: `q${i}` }] }).withResponse());
    expect(answers[0]!.data.choices[0]!.message.content).toBe('Paris.');
    const [runId] = answers[0]!.response.headers.get('x-metaorch-trial')!.split('/');
    let rows: { score: number | null; reward: number | null }[] = [];
    for (let i = 0; i < 50 && !(rows.length === 3 && rows.every((r) => r.reward !== null)); i++) {
      await new Promise((r) => setTimeout(r, 100));
      rows = read('SELECT score, reward FROM trials WHERE run_id = ? ORDER BY seq', runId);
    }
    expect(rows).toEqual([{ score: 0.8, reward: 0.8 }, { score: 0.8, reward: 0.8 }, { score: 0.8, reward: 0.8 }]);
    expect(read<{ source: string }>('SELECT DISTINCT source FROM feedback WHERE run_id = ?', runId)).toEqual([{ source: 'judge' }]);
    // The controller's clock ran on this route's run: its metrics snapshots are in the store.
    for (let i = 0; i < 30 && read<{ n: number }>('SELECT COUNT(*) AS n FROM controller_metrics WHERE run_id = ?', runId)[0]!.n === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(read<{ n: number }>('SELECT COUNT(*) AS n FROM controller_metrics WHERE run_id = ?', runId)[0]!.n).toBeGreaterThan(0);
    const decisions = await runCli(['decisions', runId!, '--db', db], { cwd: dir });
    expect(decisions.code).toBe(0);
  });

  it('refuses a bad gateway.yaml with file, line and path, exit 2, before binding the port', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'routes:\n  - name: chat\n    variants:\n      - id: x\n        adapter: nope\n    polcy: {}\n');
    const r = await runCli(['gateway', '--config', join(dir, 'bad.yaml'), '--port', '0', '--db', join(dir, 'other.db')], { cwd: dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:2:5 routes\[0\]: unknown field\(s\) 'polcy'/);
    expect(r.stderr).not.toContain('metaorch gateway: http');
  });

  it('loses no trial when killed and restarted: the same run continues, requests in flight are closed as errors', async () => {
    const before = await openai().chat.completions.create({ model: 'chat/gpt', messages: [{ role: 'user', content: 'before' }] }).withResponse();
    const [runId, seqText] = before.response.headers.get('x-metaorch-trial')!.split('/');
    // A request in flight when the gateway is killed (its upstream takes 20 s).
    const pending = openai().chat.completions.create({ model: 'chat/gpt', messages: [{ role: 'user', content: 'a slow question' }] }).catch((e: unknown) => e);
    await untilRecorded(db, `${runId}/${Number(seqText) + 1}`, { status: 'scheduled' });
    await stop(gateway, 'SIGKILL');
    expect(await pending).toBeInstanceOf(Error);
    ({ child: gateway, url } = await startGateway());
    const after = await openai().chat.completions.create({ model: 'chat/gpt', messages: [{ role: 'user', content: 'after' }] }).withResponse();
    const [runAfter, seqAfter] = after.response.headers.get('x-metaorch-trial')!.split('/');
    expect(runAfter).toBe(runId);
    expect(Number(seqAfter)).toBeGreaterThan(Number(seqText));
    // Feedback for a trial answered before the kill still counts.
    const fb = await fetch(`${url}/v1/feedback`, { method: 'POST', body: JSON.stringify({ trial_id: `${runId}/${seqText}`, score: 1 }), headers: { authorization: `Bearer ${KEY}` } });
    expect(await fb.json()).toMatchObject({ outcome: 'learned' });
    await untilRecorded(db, after.response.headers.get('x-metaorch-trial')!);
    const open = read<{ n: number }>("SELECT COUNT(*) AS n FROM trials WHERE run_id = ? AND status = 'scheduled'", runId)[0]!.n;
    expect(open).toBe(0);
    const cut = read<{ seq: number; status: string; error_kind: string }>("SELECT seq, status, error_kind FROM trials WHERE run_id = ? AND error_kind = 'cancelled'", runId);
    expect(cut).toEqual([{ seq: Number(seqText) + 1, status: 'error', error_kind: 'cancelled' }]);
    const seqs = read<{ seq: number }>('SELECT seq FROM trials WHERE run_id = ? ORDER BY seq', runId).map((r) => r.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i));
    await stop(gateway);
    const status = read<{ status: string }>('SELECT status FROM runs WHERE id = ?', runId)[0]!.status;
    expect(status).toBe('interrupted');
    ({ child: gateway, url } = await startGateway());
  });
});

