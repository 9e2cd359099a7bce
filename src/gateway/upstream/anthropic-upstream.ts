import { chatToMessagesRequest, DEFAULT_MAX_TOKENS } from '../wire/requests.js';
import type { ChatRequest, MessageBlock, MessagesRequest } from '../wire/types.js';
import { exchange, passedHeaders } from './pass-through.js';
import type { Upstream, UpstreamCall } from './types.js';

/** The `anthropic` adapter's options that matter to the gateway (validated by the adapter's schema). */
export interface AnthropicUpstreamOptions {
  model: string;
  baseURL?: string;
  apiKey?: string;
  maxTokens?: number;
  stop?: string | string[];
  params?: Record<string, unknown>;
  headers?: Record<string, string>;
}

const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
const API_VERSION = '2023-06-01';

/**
 * Anthropic's Messages API as a gateway upstream. A Messages request passes through with `model` set
 * to the variant's (and the client's `anthropic-beta` header, so Claude Code's features work); a chat
 * request is translated (system, tools, tool results, images, stop sequences). The key is the
 * variant's (api.anthropic.com without one: ANTHROPIC_API_KEY), sent only to its server.
 *
 * @example
 * const upstream = anthropicUpstream('haiku', { model: 'claude-haiku-4-5', apiKey: key }, { env, redact });
 */
export function anthropicUpstream(variant: string, o: AnthropicUpstreamOptions, ctx: { system?: string; env: NodeJS.ProcessEnv; redact: (t: string) => string }): Upstream {
  const base = (o.baseURL ?? ANTHROPIC_BASE_URL).replace(/\/+$/, '');
  const url = new URL(`${base}/v1/messages`);
  const official = url.hostname === 'api.anthropic.com';
  const key = o.apiKey ?? (official ? ctx.env['ANTHROPIC_API_KEY'] : undefined);
  const fixed: Record<string, string> = { 'content-type': 'application/json', 'anthropic-version': API_VERSION, ...o.headers };
  if (key) fixed['x-api-key'] = key;
  return {
    model: o.model,
    call(c: UpstreamCall) {
      const body = messagesBody(c, o, ctx.system);
      const headers = c.wire === 'anthropic' ? { ...passedHeaders(c.headers, ['anthropic-beta']), ...fixed } : fixed;
      return exchange({ url, headers, body: JSON.stringify(body), stream: c.stream, signal: c.signal, variant, wire: 'anthropic', redact: ctx.redact });
    },
  };
}

function messagesBody(c: UpstreamCall, o: AnthropicUpstreamOptions, system: string | undefined): MessagesRequest {
  const req: MessagesRequest = c.wire === 'anthropic' ? { ...(c.body as MessagesRequest) } : chatToMessagesRequest(c.body as ChatRequest, o.maxTokens ?? DEFAULT_MAX_TOKENS);
  for (const [k, v] of Object.entries(o.params ?? {})) if (req[k] === undefined && k !== 'messages' && k !== 'stream') req[k] = v;
  if (req.max_tokens === undefined) req.max_tokens = o.maxTokens ?? DEFAULT_MAX_TOKENS;
  if (req.stop_sequences === undefined && o.stop !== undefined) req.stop_sequences = Array.isArray(o.stop) ? o.stop : [o.stop];
  req.model = o.model;
  if (system) {
    const rest: MessageBlock[] = typeof req.system === 'string' ? (req.system ? [{ type: 'text', text: req.system }] : []) : (req.system ?? []);
    req.system = [{ type: 'text', text: system }, ...rest];
  }
  if (c.stream) req.stream = true;
  else delete req.stream;
  return req;
}
