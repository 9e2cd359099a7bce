/**
 * Non-streamed answers translated between the two APIs: content, tool calls, stop reasons, usage.
 */
import type { ChatCompletion, ChatToolCall, ChatUsage, Message, MessageBlock, MessageUsage } from './types.js';

/**
 * Anthropic's stop reason as OpenAI's finish reason.
 *
 * @example
 * finishReasonOf('tool_use'); // 'tool_calls'
 */
export function finishReasonOf(stopReason: string | null | undefined): string | null {
  switch (stopReason) {
    case null:
    case undefined:
      return null;
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop';
  }
}

/**
 * OpenAI's finish reason as Anthropic's stop reason.
 *
 * @example
 * stopReasonOf('length'); // 'max_tokens'
 */
export function stopReasonOf(finishReason: string | null | undefined): string | null {
  switch (finishReason) {
    case null:
    case undefined:
      return null;
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

/** Input tokens as OpenAI counts them: cached and cache-writing tokens are input tokens too. */
export function chatUsageOf(u: Partial<MessageUsage> | null | undefined): ChatUsage {
  const input = (u?.input_tokens ?? 0) + (u?.cache_read_input_tokens ?? 0) + (u?.cache_creation_input_tokens ?? 0);
  const output = u?.output_tokens ?? 0;
  return { prompt_tokens: input, completion_tokens: output, total_tokens: input + output };
}

export function messageUsageOf(u: Partial<ChatUsage> | null | undefined): MessageUsage {
  return { input_tokens: u?.prompt_tokens ?? 0, output_tokens: u?.completion_tokens ?? 0 };
}

/**
 * A Messages API answer as a chat completion: text blocks joined into `content`, `tool_use` blocks as
 * `tool_calls`; thinking blocks are left out.
 *
 * @example
 * messageToCompletion(message, { id: 'chatcmpl-1', created: 1700000000 }).choices[0].message.content; // 'Paris'
 */
export function messageToCompletion(m: Message, at: { id: string; created: number }): ChatCompletion {
  const text = (m.content ?? []).filter((b) => b.type === 'text').map((b) => b.text ?? '').join('');
  const calls: ChatToolCall[] = (m.content ?? [])
    .filter((b) => b.type === 'tool_use')
    .map((b) => ({ id: b.id ?? '', type: 'function', function: { name: b.name ?? '', arguments: JSON.stringify(b.input ?? {}) } }));
  const message: ChatCompletion['choices'][number]['message'] = { role: 'assistant', content: text === '' && calls.length ? null : text, refusal: null };
  if (calls.length) message.tool_calls = calls;
  return {
    id: at.id, object: 'chat.completion', created: at.created, model: m.model,
    choices: [{ index: 0, message, finish_reason: finishReasonOf(m.stop_reason), logprobs: null }],
    usage: chatUsageOf(m.usage),
  };
}

/**
 * A chat completion (its first choice) as a Messages API answer.
 *
 * @example
 * completionToMessage(completion, { id: 'msg_1' }).content; // [{ type: 'text', text: 'Paris' }]
 */
export function completionToMessage(c: ChatCompletion, at: { id: string }): Message {
  const choice = c.choices?.[0];
  const content: MessageBlock[] = [];
  const text = choice?.message?.content;
  if (typeof text === 'string' && text !== '') content.push({ type: 'text', text });
  for (const call of choice?.message?.tool_calls ?? []) {
    content.push({ type: 'tool_use', id: call.id, name: call.function.name, input: parseObject(call.function.arguments) });
  }
  return {
    id: at.id, type: 'message', role: 'assistant', model: c.model, content,
    stop_reason: stopReasonOf(choice?.finish_reason ?? 'stop'), stop_sequence: null, usage: messageUsageOf(c.usage),
  };
}

/** Tool-call arguments as the object Anthropic expects; text that is not a JSON object is wrapped. */
export function parseObject(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text === '' ? '{}' : text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : { value };
  } catch {
    return { arguments: text };
  }
}
