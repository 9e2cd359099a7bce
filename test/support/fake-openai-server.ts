import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake server received, headers lower-cased, body parsed when it was JSON. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  rawBody: string;
}

/** One scripted answer. */
export interface FakeReply {
  /** Default 200. */
  status?: number;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent verbatim instead of `body` (malformed JSON, HTML...), as application/json unless headers say otherwise. */
  raw?: string;
  /** Wait this long before answering (the client may give up first). */
  delayMs?: number;
  /** Drop the connection without any answer. */
  destroy?: boolean;
}

/** Computes a reply from the request: used when the scripted queue is empty. */
export type Responder = (request: RecordedRequest) => FakeReply | Promise<FakeReply>;

/** A running fake server. `url` is what to pass as the adapter's baseURL. */
export interface FakeServer {
  url: string;
  port: number;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Adds replies to the end of the queue; queued replies are served before the responder. */
  enqueue(...replies: FakeReply[]): void;
  close(): Promise<void>;
}

/**
 * A node:http server on 127.0.0.1 (port 0) that serves queued replies first, then the responder's.
 * The provider-specific fakes are thin layers over it.
 *
 * @example
 * const server = await startScriptedServer({ replies: [{ status: 500 }], respond: () => ({ body: {} }) });
 */
export async function startScriptedServer(options: {
  replies?: FakeReply[];
  respond: Responder;
  /** Appended to the origin in `url`, e.g. `/v1`. */
  basePath?: string;
}): Promise<FakeServer> {
  const queue = [...(options.replies ?? [])];
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`fake server error: ${String(err)}`);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const recorded = await record(req);
    requests.push(recorded);
    const reply = queue.shift() ?? (await options.respond(recorded));
    if (reply.delayMs) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, reply.delayMs);
        timers.add(timer);
      });
    }
    send(res, reply);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${options.basePath ?? ''}`,
    port,
    requests,
    enqueue: (...replies) => void queue.push(...replies),
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function record(req: IncomingMessage): Promise<RecordedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const rawBody = Buffer.concat(chunks).toString('utf8');
  let body: unknown = rawBody;
  try {
    body = rawBody === '' ? undefined : (JSON.parse(rawBody) as unknown);
  } catch {
    // Not JSON: keep the text.
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { method: req.method ?? 'GET', path: req.url ?? '/', headers, body, rawBody };
}

function send(res: ServerResponse, reply: FakeReply): void {
  if (res.destroyed) return;
  if (reply.destroy) {
    res.socket?.destroy();
    return;
  }
  const text = reply.raw ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
  res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
  res.end(text);
}

/** Rough token count for fake usage: whitespace-separated words. */
export function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** Picks the answer whose key occurs in the prompt (first in insertion order), else the default. */
export function answerFor(prompt: string, answers: Record<string, string> | undefined, fallback: string): string {
  for (const [needle, answer] of Object.entries(answers ?? {})) {
    if (prompt.includes(needle)) return answer;
  }
  return fallback;
}

// ---------------------------------------------------------------------------------------------
// OpenAI chat completions

/** Options of {@link startFakeOpenAI}. */
export interface FakeOpenAIOptions {
  /** Served first, in order. */
  replies?: FakeReply[];
  /** Computes replies once the queue is empty; overrides `answers`. */
  respond?: Responder;
  /** Prompt substring -> answer, for replies computed from the request. */
  answers?: Record<string, string>;
  /** Answer when no key of `answers` matches. Default 'ok'. */
  defaultAnswer?: string;
  /** Latency of computed replies. */
  delayMs?: number;
}

/**
 * A fake OpenAI-compatible server: POST {url}/chat/completions. Without a script it answers every
 * prompt from `answers` (by substring) with usage counted in words.
 *
 * @example
 * const server = await startFakeOpenAI({ answers: { France: 'Paris' } });
 * createOpenAIAdapter({ model: 'm', baseURL: server.url, apiKey: 'k' }, ctx);
 * server.requests[0]?.body; await server.close();
 */
export function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeServer> {
  const respond: Responder =
    options.respond ??
    ((req) => {
      if (req.method !== 'POST' || !req.path.endsWith('/chat/completions')) {
        return openaiError(404, `no route ${req.method} ${req.path}`, 'not_found');
      }
      const prompt = openaiPromptOf(req);
      const answer = answerFor(prompt, options.answers, options.defaultAnswer ?? 'ok');
      const model = (req.body as { model?: unknown } | undefined)?.model;
      const reply: FakeReply = {
        body: openaiCompletion(answer, { input: countWords(allOpenAIText(req)), output: countWords(answer) }, String(model)),
      };
      if (options.delayMs !== undefined) reply.delayMs = options.delayMs;
      return reply;
    });
  return startScriptedServer({ ...(options.replies ? { replies: options.replies } : {}), respond, basePath: '/v1' });
}

/**
 * A chat.completion body with one choice.
 *
 * @example
 * server.enqueue({ body: openaiCompletion('Paris', { input: 12, output: 1 }) });
 */
export function openaiCompletion(text: string, usage = { input: 10, output: 5 }, model = 'fake-model'): unknown {
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output },
  };
}

/**
 * An error reply in OpenAI's shape: `{ error: { message, type, code } }`.
 *
 * @example
 * server.enqueue(openaiError(429, 'slow down', 'rate_limit_exceeded', { 'retry-after': '2' }));
 */
export function openaiError(status: number, message: string, type = 'invalid_request_error', headers?: Record<string, string>): FakeReply {
  return { status, body: { error: { message, type, code: null, param: null } }, ...(headers ? { headers } : {}) };
}

/** The text of the last user message of a recorded chat-completions request. */
export function openaiPromptOf(req: RecordedRequest): string {
  const messages = (req.body as { messages?: { role?: string; content?: unknown }[] } | undefined)?.messages ?? [];
  const user = messages.filter((m) => m.role === 'user').at(-1);
  return typeof user?.content === 'string' ? user.content : '';
}

function allOpenAIText(req: RecordedRequest): string {
  const messages = (req.body as { messages?: { content?: unknown }[] } | undefined)?.messages ?? [];
  return messages.map((m) => (typeof m.content === 'string' ? m.content : '')).join(' ');
}
