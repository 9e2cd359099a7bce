import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateVariant } from '../../config/variants.js';
import { createRandom } from '../../model/random.js';
import { AdapterError } from '../errors.js';
import { findAdapter } from '../registry.js';
import type { Adapter } from '../types.js';
import { codexError, parseAider, parseClaude, parseCodex, parseCopilot, parseGemini } from './index.js';

/** The real output of the CLIs, captured against a local mock server (test/fixtures/cli-agents/README.md). */
const CAPTURED = resolve(import.meta.dirname, '../../../test/fixtures/cli-agents');
const captured = (name: string) => readFileSync(join(CAPTURED, name), 'utf8');

const bin = mkdtempSync(join(tmpdir(), 'metaorch-presets-'));
afterAll(() => rmSync(bin, { recursive: true, force: true }));

/** A fake CLI on a private PATH: prints a captured output (and records its argv, stdin and environment). */
function fakeCli(name: string, script: string): string {
  const dir = join(bin, name + Math.random().toString(36).slice(2, 8));
  mkdirSync(dir);
  writeFileSync(join(dir, name), `#!/bin/sh\n${script}\n`);
  chmodSync(join(dir, name), 0o755);
  return dir;
}

function adapterFor(kind: string, options: Record<string, unknown>): Adapter {
  const def = findAdapter(kind)!;
  return def.create(def.options.parse(options) as Record<string, unknown>, { baseDir: bin });
}

const call = (adapter: Adapter, prompt = 'Capital of France?') =>
  adapter.call({ prompt, task: { id: 't1', input: {} }, signal: new AbortController().signal, rng: createRandom(1), attempt: 1 });

async function failure(p: Promise<unknown>): Promise<AdapterError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(AdapterError);
  return e as AdapterError;
}

describe('CLI-agent presets read the real output of the CLIs', () => {
  it('codex: the last agent_message and the turn usage from its JSONL events; text mode as is', () => {
    expect(parseCodex(captured('codex1.out'), captured('codex1.err'))).toEqual({ output: 'Paris', tokens: { input: 21, output: 2 } });
    expect(parseCodex(captured('codex2.out'), '')).toEqual({ output: 'Berlin' });
    expect(parseCodex(captured('codex4.out'), '')).toEqual({ output: 'Paris' });
    const failed = '{"type":"thread.started"}\n{"type":"turn.failed","error":{"message":"unexpected status 429 Too Many Requests: Rate limited"}}\n';
    expect(() => parseCodex(failed, '')).toThrow(AdapterError);
    expect(codexError(failed, '', 1)).toMatchObject({ kind: 'rate_limit', status: 429, retryable: true });
    expect(codexError('{"type":"error","message":"stream error: status 503"}', '', 1)).toMatchObject({ kind: 'server', status: 503 });
  });

  it('claude: result, usage and total_cost_usd; an upstream error reported only in stdout JSON is classified by its status', () => {
    expect(parseClaude(captured('claude1.out'), '')).toEqual({ output: 'Paris', tokens: { input: 21, output: 2 }, cost: 0.00015499999999999997 });
    let e: unknown;
    try {
      parseClaude(captured('claude400.out'), '');
    } catch (x) {
      e = x;
    }
    expect(e).toMatchObject({ kind: 'client', status: 400, retryable: false, message: 'claude: API Error: 400 Bad request (fixture)', usageUnknown: false });
    const rateLimited = captured('claude400.out').replace('"api_error_status":400', '"api_error_status":429');
    expect(() => parseClaude(rateLimited, '')).toThrow(expect.objectContaining({ kind: 'rate_limit', retryable: true }));
  });

  it('gemini: response, and the tokens of every model it called (its router included)', () => {
    expect(parseGemini(captured('gemini2.out'), '')).toEqual({ output: 'Paris', tokens: { input: 21, output: 2 } });
    expect(parseGemini(captured('gemini1.out'), captured('gemini1.err'))).toEqual({ output: 'Paris', tokens: { input: 126, output: 12 } });
  });

  it('copilot: the answer alone on stdout; tokens from its stderr line when printed, else unknown', () => {
    expect(parseCopilot(captured('copilot1.out'), '')).toEqual({ output: 'Paris' });
    expect(parseCopilot(captured('copilot1.out'), 'Total usage est: 1 Premium request\nTokens ↑ 21 • ↓ 2')).toEqual({ output: 'Paris', tokens: { input: 21, output: 2 } });
    expect(parseCopilot('x', 'Tokens ↑ 1.2k • ↓ 340')).toEqual({ output: 'x', tokens: { input: 1200, output: 340 } });
  });

  it('aider: the answer between its header and its Tokens line, with tokens and the message cost (documented format)', () => {
    const out = 'Aider v0.86.1\nModel: gpt-4o with whole edit format\nGit repo: none\nRepo-map: disabled\n\nParis\n\nTokens: 2.1k sent, 172 received. Cost: $0.0081 message, $0.0081 session.\n';
    expect(parseAider(out, '')).toEqual({ output: 'Paris', tokens: { input: 2100, output: 172 }, cost: 0.0081 });
  });
});

describe('CLI-agent presets as adapters, through real child processes', () => {
  it('run the CLI with its argv, stdin and environment, and read its output', async () => {
    const dir = fakeCli('codex', `printf '%s\\n' "$@" > "$0.argv"; cat > "$0.stdin"; env > "$0.env"; cat ${join(CAPTURED, 'codex1.out')}`);
    const adapter = adapterFor('codex', { bin: join(dir, 'codex'), model: 'gpt-5-codex', baseURL: 'http://127.0.0.1:4010/v1', apiKey: 'sk-local-secret' });
    expect(await call(adapter, 'Capital of France?')).toEqual({ output: 'Paris', tokens: { input: 21, output: 2 } });
    expect(readFileSync(join(dir, 'codex.argv'), 'utf8').trim().split('\n')).toEqual([
      'exec', '--skip-git-repo-check', '--ephemeral', '--json', '-m', 'gpt-5-codex',
      '-c', 'model_provider="metaorch"',
      '-c', 'model_providers.metaorch={ name = "metaorch", base_url = "http://127.0.0.1:4010/v1", env_key = "METAORCH_CODEX_API_KEY", wire_api = "responses" }',
      '-',
    ]);
    expect(readFileSync(join(dir, 'codex.stdin'), 'utf8')).toBe('Capital of France?');
    expect(readFileSync(join(dir, 'codex.env'), 'utf8')).toContain('METAORCH_CODEX_API_KEY=sk-local-secret');
  });

  it('classify a CLI\'s JSON error printed on stdout with exit 1 and empty stderr (claude, HTTP 400)', async () => {
    const dir = fakeCli('claude', `cat ${join(CAPTURED, 'claude400.out')}; exit 1`);
    const e = await failure(call(adapterFor('claude', { bin: join(dir, 'claude') })));
    expect(e).toMatchObject({ kind: 'client', status: 400, retryable: false, message: 'claude: API Error: 400 Bad request (fixture)' });
  });

  it('say which binary is missing and how to install it, at validation and at run time', async () => {
    const env = { PATH: bin };
    expect(validateVariant({ id: 'c', adapter: 'codex' }, env, bin).issues).toEqual([
      { path: ['adapter'], message: "the codex CLI is not installed (no 'codex' on PATH): install it with `npm install -g @openai/codex`, or set bin: /path/to/codex" },
    ]);
    expect(validateVariant({ id: 'g', adapter: 'gemini', bin: './nope/gemini' }, env, bin).issues).toEqual([
      { path: ['bin'], message: `bin: ./nope/gemini does not exist or is not executable` },
    ]);
    const dir = fakeCli('copilot', 'echo ok');
    expect(validateVariant({ id: 'p', adapter: 'copilot' }, { PATH: dir }, bin).issues).toEqual([]);
    const e = await failure(call(adapterFor('claude', { bin: join(bin, 'no-such-claude') })));
    expect(e.message).toBe("claude is not installed (the program 'claude' is not on PATH): install it with `npm install -g @anthropic-ai/claude-code`, or set bin: /path/to/claude");
  });

  it('leave tokens unknown when the CLI reports none, and keep stdout in an error when stderr is empty', async () => {
    const plain = findAdapter('exec')!;
    const echo = plain.create(plain.options.parse({ command: ['sh', '-c', 'echo answer'] }) as Record<string, unknown>, { baseDir: bin });
    expect(await call(echo)).toEqual({ output: 'answer' });
    const quiet = plain.create(plain.options.parse({ command: ['sh', '-c', 'echo "Error: quota exhausted for org"; exit 2'] }) as Record<string, unknown>, { baseDir: bin });
    const e = await failure(call(quiet));
    expect(e).toMatchObject({ kind: 'process', usageUnknown: true });
    expect(e.message).toBe('exec: sh exited with code 2\nstderr: (empty)\nstdout (last 1 lines):\nError: quota exhausted for org');
  });
});
