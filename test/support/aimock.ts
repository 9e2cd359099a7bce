/**
 * A real local mock LLM server for end-to-end tests: `@copilotkit/aimock` (npm), started as its own
 * process on a free port with a fixture file, speaking the OpenAI (chat and Responses), Anthropic and
 * Gemini wire formats. Fixtures pick answers by the user message or the model, with token usage,
 * error statuses and latency. Every request is kept in its journal, so tests count the calls that
 * reached the "provider". Stopped by pid.
 *
 * @example
 * const mock = await startAimock([{ match: { userMessage: 'Capital of France' }, response: { content: 'Paris' } }]);
 * // baseURL: `${mock.url}/v1` (OpenAI) or mock.url (Anthropic)
 * (await mock.requests()).length;
 * await mock.stop();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** One fixture, as aimock's fixture files write it. */
export interface AimockFixture {
  match: { userMessage?: string; model?: string; systemMessage?: string | string[]; sequenceIndex?: number; endpoint?: string; inputText?: string };
  response:
    | { content: string; usage?: Record<string, number>; model?: string }
    /** /v1/embeddings (matched by `inputText`): every input of the request gets this vector. */
    | { embedding: number[] }
    | { error: { message: string; type?: string; code?: string }; status: number };
  /** A fixed delay before the answer (aimock's per-fixture chaos latency), in ms. */
  latencyMs?: number;
}

/** A request as the journal recorded it. */
export interface AimockRequest {
  path: string;
  method: string;
  body: { model?: string; messages?: { role: string; content: unknown }[]; input?: unknown; system?: unknown } & Record<string, unknown>;
  response: { status: number };
  timestamp: number;
}

export interface Aimock {
  /** Origin, e.g. http://127.0.0.1:41234 (OpenAI clients add /v1). */
  url: string;
  pid: number;
  /** Every request received so far, oldest first. */
  requests(): Promise<AimockRequest[]>;
  /** How many requests it received (without fetching their bodies: CLI agents send large ones). */
  count(): Promise<number>;
  /** The text of each request's last user message (OpenAI chat, Responses, Anthropic or Gemini shape). */
  prompts(): Promise<string[]>;
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);
/** The llmock CLI of the installed package (beside its entry point): fixtures from files, a port, a host. */
export const AIMOCK_CLI = join(dirname(require.resolve('@copilotkit/aimock')), 'cli.js');

/**
 * Starts aimock on a free port with these fixtures (first match wins; end with a catch-all).
 */
export async function startAimock(fixtures: AimockFixture[], options: { timeoutMs?: number } = {}): Promise<Aimock> {
  const dir = mkdtempSync(join(tmpdir(), 'metaorch-aimock-'));
  const file = join(dir, 'fixtures.json');
  const entries = fixtures.map(({ latencyMs, ...f }) => (latencyMs ? { ...f, chaos: { latencyMs } } : f));
  writeFileSync(file, JSON.stringify({ fixtures: entries }, null, 1));
  const child: ChildProcess = spawn(process.execPath, [AIMOCK_CLI, '-p', '0', '-h', '127.0.0.1', '-f', file, '--journal-max', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`aimock did not start: ${out}`)), options.timeoutMs ?? 20_000);
    const check = () => {
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout?.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`aimock exited with ${code}: ${out}`));
    });
  });
  const requests = async (): Promise<AimockRequest[]> => {
    const response = await get(`${url}/__aimock/journal`);
    return ((await response.json()) as AimockRequest[]).sort((a, b) => a.timestamp - b.timestamp);
  };
  return {
    url,
    pid: child.pid!,
    requests,
    count: async () => {
      const response = await get(`${url}/__aimock/journal?limit=1`);
      await response.arrayBuffer();
      return Number(response.headers.get('x-total-count') ?? 0);
    },
    prompts: async () => (await requests()).map(lastUserText),
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          done();
        });
        child.kill('SIGTERM');
      }),
  };
}

/**
 * A GET that survives the server closing an idle kept-alive connection just as it is reused (Node's
 * 5 s keep-alive timeout against a pooled socket): once more on a socket error.
 */
async function get(url: string): Promise<Response> {
  try {
    return await fetch(url);
  } catch (error) {
    if ((error as { cause?: { code?: string } }).cause?.code !== 'UND_ERR_SOCKET') throw error;
    return fetch(url);
  }
}

function lastUserText(r: AimockRequest): string {
  const text = (c: unknown): string =>
    typeof c === 'string' ? c : Array.isArray(c) ? c.map((p) => (typeof p === 'string' ? p : String((p as { text?: unknown }).text ?? ''))).join('') : '';
  const messages = r.body.messages ?? (Array.isArray(r.body.input) ? (r.body.input as { role: string; content: unknown }[]) : []);
  const users = messages.filter((m) => m.role === 'user');
  if (users.length) return text(users[users.length - 1]!.content);
  if (typeof r.body.input === 'string') return r.body.input;
  const contents = (r.body['contents'] as { parts?: { text?: string }[] }[] | undefined) ?? [];
  return contents.flatMap((c) => c.parts ?? []).map((p) => p.text ?? '').join('');
}
