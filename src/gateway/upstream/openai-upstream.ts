import { messagesToChatRequest } from '../wire/requests.js';
import type { ChatMessage, ChatRequest, MessagesRequest } from '../wire/types.js';
import { exchange } from './pass-through.js';
import type { Upstream, UpstreamCall } from './types.js';

/** The `openai` adapter's options that matter to the gateway (validated by the adapter's schema). */
export interface OpenAIUpstreamOptions {
  model: string;
  baseURL?: string;
  apiKey?: string;
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  stop?: string | string[];
  params?: Record<string, unknown>;
  headers?: Record<string, string>;
}

const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/**
 * An OpenAI-compatible server as a gateway upstream. A chat request passes through as the client sent
 * it, with `model` set to the variant's and the variant's settings (temperature, topP, stop, maxTokens,
 * params) filling in only what the client left out; a Messages API request is translated. Streams ask
 * for usage (`stream_options.include_usage`), so every trial's tokens and cost are known. The key is
 * the variant's (api.openai.com without one: OPENAI_API_KEY), sent only to its server.
 *
 * @example
 * const upstream = openaiUpstream('mini', { model: 'gpt-4o-mini', apiKey: key }, { system: undefined, env, redact });
 */
export function openaiUpstream(variant: string, o: OpenAIUpstreamOptions, ctx: { system?: string; env: NodeJS.ProcessEnv; redact: (t: string) => string }): Upstream {
  const base = (o.baseURL ?? OPENAI_BASE_URL).replace(/\/+$/, '');
  const url = new URL(`${base}/chat/completions`);
  const official = url.hostname === 'api.openai.com';
  const key = o.apiKey ?? (official ? ctx.env['OPENAI_API_KEY'] : undefined);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...o.headers };
  if (key) headers['authorization'] = `Bearer ${key}`;
  return {
    model: o.model,
    call(c: UpstreamCall) {
      const body = chatBody(c, o, official, ctx.system);
      return exchange({ url, headers, body: JSON.stringify(body), stream: c.stream, signal: c.signal, variant, wire: 'openai', redact: ctx.redact });
    },
  };
}

function chatBody(c: UpstreamCall, o: OpenAIUpstreamOptions, official: boolean, system: string | undefined): ChatRequest {
  const req: ChatRequest = c.wire === 'openai' ? { ...(c.body as ChatRequest) } : messagesToChatRequest(c.body as MessagesRequest);
  // The variant's settings are defaults: what the client asked for wins.
  for (const [k, v] of Object.entries(o.params ?? {})) if (req[k] === undefined && k !== 'messages' && k !== 'stream') req[k] = v;
  if (req.temperature === undefined && o.temperature !== undefined) req.temperature = o.temperature;
  if (req.top_p === undefined && o.topP !== undefined) req.top_p = o.topP;
  if ((req.stop === undefined || req.stop === null) && o.stop !== undefined) req.stop = o.stop;
  if (req.max_tokens === undefined && req.max_completion_tokens === undefined && o.maxTokens !== undefined) {
    req[official ? 'max_completion_tokens' : 'max_tokens'] = o.maxTokens;
  }
  req.model = o.model;
  if (system) req.messages = [{ role: 'system', content: system } as ChatMessage, ...(req.messages ?? [])];
  if (c.stream) {
    req.stream = true;
    req.stream_options = { ...(req.stream_options ?? {}), include_usage: true };
  } else {
    delete req.stream_options;
    if (req.stream) req.stream = false;
  }
  return req;
}
