import * as z from 'zod';
import { invalidOutput } from './provider-errors.js';
import { once } from '../model/once.js';
import { parseBody } from './provider-response.js';
import type { AdapterResponse } from './types.js';

/**
 * The part of a chat completion the adapter reads; everything else is ignored. Built on first use:
 * every command loads the adapters, and most never parse this wire format.
 */
const completionSchema = once(() => {
  const textPart = z.object({ type: z.string(), text: z.string().optional() });
  return z.object({
    choices: z.array(
      z.object({
        message: z.object({
          // Some compatible servers (Mistral's reasoning models) send a list of typed parts.
          content: z.union([z.string(), z.array(textPart)]).nullish(),
        }),
      }),
    ),
    usage: z
      .object({ prompt_tokens: z.number().nullish(), completion_tokens: z.number().nullish() })
      .nullish(),
  });
});

/**
 * Reads the first choice's text and the reported usage from a chat-completions body. A message
 * without content (a refusal, a tool call) is an empty output, which scorers judge; a body without
 * choices is a non-retryable `invalid_output` error.
 *
 * @example
 * parseChatCompletion({ choices: [{ message: { content: 'Paris' } }], usage: { prompt_tokens: 9, completion_tokens: 1 } });
 * // { output: 'Paris', tokens: { input: 9, output: 1 } }
 */
export function parseChatCompletion(raw: unknown): AdapterResponse {
  const body = parseBody('openai', completionSchema(), raw);
  const choice = body.choices[0];
  if (!choice) throw invalidOutput('openai', 'the response has no choices');
  const { content } = choice.message;
  const output =
    typeof content === 'string'
      ? content
      : (content ?? []).map((part) => (part.type === 'text' ? (part.text ?? '') : '')).join('');
  const response: AdapterResponse = { output };
  const tokens: AdapterResponse['tokens'] = {};
  if (typeof body.usage?.prompt_tokens === 'number') tokens.input = body.usage.prompt_tokens;
  if (typeof body.usage?.completion_tokens === 'number') tokens.output = body.usage.completion_tokens;
  if (Object.keys(tokens).length > 0) response.tokens = tokens;
  return response;
}
