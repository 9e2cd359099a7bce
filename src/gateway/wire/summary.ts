/**
 * What the gateway records of an answer, whatever API it came in: the text, the tool calls, the stop
 * reason and the tokens. Built from a whole answer or accumulated from its stream.
 */
import { chatUsageOf, finishReasonOf } from './responses.js';
import type { ChatChunk, ChatCompletion, Message, MessageEvent, MessageUsage } from './types.js';

export interface AnswerSummary {
  text: string;
  toolCalls: { name: string; arguments: string }[];
  /** OpenAI's finish reason (Anthropic's stop reasons are mapped). */
  finish: string | null;
  /** Tokens the upstream reported; null when it reported none. */
  tokens: { input: number; output: number } | null;
}

/**
 * The text recorded as a trial's output: the answer's text, then one line per tool call.
 *
 * @example
 * outputText({ text: '', toolCalls: [{ name: 'weather', arguments: '{"city":"Paris"}' }], finish: 'tool_calls', tokens: null });
 * // 'tool_call weather {"city":"Paris"}'
 */
export function outputText(s: AnswerSummary): string {
  const calls = s.toolCalls.map((c) => `tool_call ${c.name} ${c.arguments}`);
  return [s.text, ...calls].filter((x) => x !== '').join('\n');
}

/** @example summariseCompletion(completion).text */
export function summariseCompletion(c: ChatCompletion): AnswerSummary {
  const choice = c.choices?.[0];
  const content = choice?.message?.content;
  return {
    text: typeof content === 'string' ? content : '',
    toolCalls: (choice?.message?.tool_calls ?? []).map((t) => ({ name: t.function?.name ?? '', arguments: t.function?.arguments ?? '' })),
    finish: choice?.finish_reason ?? null,
    tokens: c.usage ? { input: c.usage.prompt_tokens ?? 0, output: c.usage.completion_tokens ?? 0 } : null,
  };
}

/** @example summariseMessage(message).toolCalls */
export function summariseMessage(m: Message): AnswerSummary {
  const blocks = m.content ?? [];
  const usage = m.usage ? chatUsageOf(m.usage) : null;
  return {
    text: blocks.filter((b) => b.type === 'text').map((b) => b.text ?? '').join(''),
    toolCalls: blocks.filter((b) => b.type === 'tool_use').map((b) => ({ name: b.name ?? '', arguments: JSON.stringify(b.input ?? {}) })),
    finish: finishReasonOf(m.stop_reason),
    tokens: usage ? { input: usage.prompt_tokens, output: usage.completion_tokens } : null,
  };
}

/**
 * Accumulates a streamed chat completion: content deltas, tool-call fragments by index, the finish
 * reason and the usage chunk.
 *
 * @example
 * const acc = new ChatStreamSummary();
 * for (const chunk of chunks) acc.push(chunk);
 * acc.summary().text;
 */
export class ChatStreamSummary {
  private text: string[] = [];
  private readonly calls: { name: string; arguments: string }[] = [];
  private finish: string | null = null;
  private tokens: AnswerSummary['tokens'] = null;

  push(chunk: ChatChunk): void {
    if (chunk.usage) this.tokens = { input: chunk.usage.prompt_tokens ?? 0, output: chunk.usage.completion_tokens ?? 0 };
    const choice = chunk.choices?.[0];
    if (!choice) return;
    const d = choice.delta;
    if (d && typeof d.content === 'string') this.text.push(d.content);
    for (const t of d?.tool_calls ?? []) {
      const call = (this.calls[t.index] ??= { name: '', arguments: '' });
      if (t.function?.name) call.name += t.function.name;
      if (t.function?.arguments) call.arguments += t.function.arguments;
    }
    if (choice.finish_reason) this.finish = choice.finish_reason;
  }

  summary(): AnswerSummary {
    return { text: this.text.join(''), toolCalls: this.calls.filter(Boolean), finish: this.finish, tokens: this.tokens };
  }
}

/**
 * Accumulates a streamed Messages API answer: text deltas, tool_use blocks with their JSON fragments,
 * the stop reason, and usage from `message_start` and `message_delta`.
 *
 * @example
 * const acc = new MessageStreamSummary();
 * for (const e of events) acc.push(e);
 * acc.summary().tokens;
 */
export class MessageStreamSummary {
  private text: string[] = [];
  private readonly calls = new Map<number, { name: string; arguments: string }>();
  private stop: string | null = null;
  private usage: Partial<MessageUsage> | null = null;

  push(e: MessageEvent): void {
    if (e.type === 'message_start') {
      const usage = (e['message'] as { usage?: Partial<MessageUsage> } | undefined)?.usage;
      if (usage) this.usage = { ...usage };
    } else if (e.type === 'content_block_start') {
      const block = e['content_block'] as { type?: string; name?: string } | undefined;
      if (block?.type === 'tool_use') this.calls.set(Number(e['index']), { name: block.name ?? '', arguments: '' });
    } else if (e.type === 'content_block_delta') {
      const d = e['delta'] as { type?: string; text?: string; partial_json?: string } | undefined;
      if (d?.type === 'text_delta') this.text.push(d.text ?? '');
      else if (d?.type === 'input_json_delta') {
        const call = this.calls.get(Number(e['index']));
        if (call) call.arguments += d.partial_json ?? '';
      }
    } else if (e.type === 'message_delta') {
      const d = e['delta'] as { stop_reason?: string | null } | undefined;
      if (d?.stop_reason) this.stop = d.stop_reason;
      const usage = e['usage'] as Partial<MessageUsage> | undefined;
      if (usage) this.usage = { ...this.usage, ...Object.fromEntries(Object.entries(usage).filter(([, v]) => typeof v === 'number')) };
    }
  }

  summary(): AnswerSummary {
    const usage = this.usage ? chatUsageOf(this.usage) : null;
    return {
      text: this.text.join(''), toolCalls: [...this.calls.values()], finish: finishReasonOf(this.stop),
      tokens: usage ? { input: usage.prompt_tokens, output: usage.completion_tokens } : null,
    };
  }
}
