import * as z from 'zod';
import { once } from '../model/once.js';
import { parseBody } from './provider-response.js';
import type { AdapterResponse } from './types.js';

/**
 * The part of a Messages API response the adapter reads; everything else is ignored. Built on first
 * use: every command loads the adapters, and most never parse this wire format.
 */
const messageSchema = once(() => {
  const count = z.number().nullish();
  return z.object({
    content: z.array(z.object({ type: z.string(), text: z.string().optional() })),
    usage: z
      .object({
        input_tokens: count,
        output_tokens: count,
        cache_creation_input_tokens: count,
        cache_read_input_tokens: count,
      })
      .nullish(),
  });
});

/**
 * Joins the text blocks of a Messages API response (thinking and tool blocks are skipped; no text at
 * all is an empty output, which scorers judge) and reads the usage. Input tokens include cache reads
 * and writes, since the trial's token count is everything the model read.
 *
 * @example
 * parseAnthropicMessage({ content: [{ type: 'text', text: 'Paris' }], usage: { input_tokens: 9, output_tokens: 1 } });
 * // { output: 'Paris', tokens: { input: 9, output: 1 } }
 */
export function parseAnthropicMessage(raw: unknown): AdapterResponse {
  const body = parseBody('anthropic', messageSchema(), raw);
  const output = body.content.map((block) => (block.type === 'text' ? (block.text ?? '') : '')).join('');
  const response: AdapterResponse = { output };
  const usage = body.usage;
  if (!usage) return response;
  const tokens: AdapterResponse['tokens'] = {};
  if (typeof usage.input_tokens === 'number') {
    tokens.input = usage.input_tokens + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0);
  }
  if (typeof usage.output_tokens === 'number') tokens.output = usage.output_tokens;
  if (Object.keys(tokens).length > 0) response.tokens = tokens;
  return response;
}
