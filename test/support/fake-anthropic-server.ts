import { answerFor, countWords, startScriptedServer } from './fake-openai-server.js';
import type { FakeReply, FakeServer, RecordedRequest, Responder } from './fake-openai-server.js';

export type { FakeReply, FakeServer, RecordedRequest, Responder } from './fake-openai-server.js';

/** Options of {@link startFakeAnthropic}. */
export interface FakeAnthropicOptions {
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
 * A fake Anthropic Messages API: POST {url}/v1/messages (`url` is the origin, as the SDK's baseURL
 * expects). Without a script it answers every prompt from `answers` (by substring), usage in words.
 *
 * @example
 * const server = await startFakeAnthropic({ answers: { France: 'Paris' } });
 * createAnthropicAdapter({ model: 'claude-test', baseURL: server.url, apiKey: 'k' }, ctx);
 * await server.close();
 */
export function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeServer> {
  const respond: Responder =
    options.respond ??
    ((req) => {
      if (req.method !== 'POST' || !req.path.startsWith('/v1/messages')) {
        return anthropicError(404, 'not_found_error', `no route ${req.method} ${req.path}`);
      }
      const prompt = anthropicPromptOf(req);
      const answer = answerFor(prompt, options.answers, options.defaultAnswer ?? 'ok');
      const body = req.body as { system?: unknown; model?: unknown } | undefined;
      const system = typeof body?.system === 'string' ? body.system : '';
      const usage = { input: countWords(`${system} ${prompt}`), output: countWords(answer) };
      const reply: FakeReply = { body: anthropicMessage(answer, usage, String(body?.model)) };
      if (options.delayMs !== undefined) reply.delayMs = options.delayMs;
      return reply;
    });
  return startScriptedServer({ ...(options.replies ? { replies: options.replies } : {}), respond });
}

/**
 * A Messages API response with one text block.
 *
 * @example
 * server.enqueue({ body: anthropicMessage('Paris', { input: 12, output: 1 }) });
 */
export function anthropicMessage(text: string, usage = { input: 10, output: 5 }, model = 'claude-fake'): unknown {
  return {
    id: 'msg_fake',
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text, citations: null }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: {
      input_tokens: usage.input,
      output_tokens: usage.output,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    },
  };
}

/**
 * An error reply in Anthropic's shape: `{ type: 'error', error: { type, message } }`.
 *
 * @example
 * server.enqueue(anthropicError(529, 'overloaded_error', 'Overloaded', { 'retry-after': '1' }));
 */
export function anthropicError(status: number, type: string, message: string, headers?: Record<string, string>): FakeReply {
  return { status, body: { type: 'error', error: { type, message } }, ...(headers ? { headers } : {}) };
}

/** The text of the last user message of a recorded Messages request (string or text blocks). */
export function anthropicPromptOf(req: RecordedRequest): string {
  const messages = (req.body as { messages?: { role?: string; content?: unknown }[] } | undefined)?.messages ?? [];
  const content = messages.filter((m) => m.role === 'user').at(-1)?.content;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((block: { text?: unknown }) => (typeof block.text === 'string' ? block.text : '')).join('');
}
