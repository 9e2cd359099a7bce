import type { Adapter } from '../../adapters/types.js';
import { createRandom } from '../../model/random.js';
import { messagesToChatRequest, textOf } from '../wire/requests.js';
import type { ChatChunk, ChatCompletion, ChatRequest, MessagesRequest } from '../wire/types.js';
import { upstreamNetworkError } from './errors.js';
import type { Upstream, UpstreamCall, UpstreamReply } from './types.js';

/**
 * Any other adapter (mock, exec, module, the CLI-agent presets) as a gateway upstream: it gets the
 * conversation as its prompt (the last user message alone when there is one message; otherwise a
 * `role: text` transcript), the system messages as its system prompt, and its answer comes back as a
 * chat completion (or, when the client streams, as the chunks of one). Tool calls are not available
 * through these adapters.
 *
 * @example
 * const upstream = adapterUpstream('sim', createMockAdapter({ reply: 'Paris' }), { model: 'mock', system: undefined, redact });
 */
export function adapterUpstream(variant: string, adapter: Adapter, ctx: { model: string; system?: string; redact: (t: string) => string }): Upstream {
  return {
    model: ctx.model,
    async call(c: UpstreamCall): Promise<UpstreamReply> {
      const req: ChatRequest = c.wire === 'openai' ? (c.body as ChatRequest) : messagesToChatRequest(c.body as MessagesRequest);
      const systems = (req.messages ?? []).filter((m) => m.role === 'system' || m.role === 'developer').map((m) => textOf(m.content));
      const turns = (req.messages ?? []).filter((m) => m.role !== 'system' && m.role !== 'developer');
      const prompt = turns.length === 1 ? textOf(turns[0]!.content) : turns.map((m) => `${m.role}: ${textOf(m.content)}`).join('\n\n');
      const system = [ctx.system, ...systems].filter((s): s is string => !!s).join('\n\n');
      let answer;
      try {
        answer = await adapter.call({
          prompt, ...(system ? { system } : {}), task: { id: 'request', input: { prompt } }, signal: c.signal,
          rng: createRandom(c.seed), attempt: 1, seq: c.seq,
        });
      } catch (error) {
        if (c.signal.aborted) throw c.signal.reason;
        throw upstreamNetworkError(variant, error, ctx.redact);
      }
      const usage = { prompt_tokens: answer.tokens?.input ?? 0, completion_tokens: answer.tokens?.output ?? 0, total_tokens: (answer.tokens?.input ?? 0) + (answer.tokens?.output ?? 0) };
      const id = `chatcmpl-${variant}-${c.seq}`;
      const created = Math.floor(Date.now() / 1000);
      if (!c.stream) {
        const completion: ChatCompletion = {
          id, object: 'chat.completion', created, model: ctx.model,
          choices: [{ index: 0, message: { role: 'assistant', content: answer.output, refusal: null }, finish_reason: 'stop', logprobs: null }], usage,
        };
        return { wire: 'openai', kind: 'json', json: completion, ...(answer.cost === undefined ? {} : { cost: answer.cost }) };
      }
      const chunk = (delta: ChatChunk['choices'][number]['delta'], finish: string | null): ChatChunk => ({
        id, object: 'chat.completion.chunk', created, model: ctx.model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
      });
      const events = [
        chunk({ role: 'assistant', content: '' }, null), chunk({ content: answer.output }, null), chunk({}, 'stop'),
        { id, object: 'chat.completion.chunk', created, model: ctx.model, choices: [], usage },
      ];
      const text = events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('') + 'data: [DONE]\n\n';
      return { wire: 'openai', kind: 'stream', body: [text], ...(answer.cost === undefined ? {} : { cost: answer.cost }) };
    },
    close: async () => {
      await adapter.close?.();
    },
  };
}
