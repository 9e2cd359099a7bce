/**
 * Streamed answers translated event by event, in both directions. Each translator is a small state
 * machine fed the upstream's events in order; it returns the events to send the client at once (no
 * buffering: a delta goes out as soon as it arrives), and `end()` closes the stream properly even
 * when the upstream stopped without its final events.
 */
import { chatUsageOf, finishReasonOf, stopReasonOf } from './responses.js';
import type { ChatChunk, ChatDelta, ChatUsage, MessageEvent, MessageUsage } from './types.js';

/** An event for the client: an SSE event name (Anthropic's) or null (OpenAI's), and its data. */
export interface OutEvent {
  event: string | null;
  data: unknown;
}

/**
 * Anthropic stream events -> OpenAI chat chunks. Text deltas become `content` deltas; `tool_use`
 * blocks become `tool_calls` deltas (their `input_json_delta` fragments as `arguments`); the stop
 * reason becomes the finish reason; usage goes in a last chunk with no choices when the client asked
 * (`stream_options.include_usage`), as OpenAI sends it.
 *
 * @example
 * const t = new AnthropicToChatStream({ id: 'chatcmpl-1', created: 1700000000, includeUsage: true });
 * for (const e of events) for (const chunk of t.push(e)) send(chunk);
 * for (const chunk of t.end()) send(chunk);
 */
export class AnthropicToChatStream {
  private model = '';
  private usage: Partial<MessageUsage> = {};
  private readonly toolIndex = new Map<number, number>();
  private tools = 0;
  private finish: string | null = null;
  private finished = false;
  private done = false;

  constructor(private readonly o: { id: string; created: number; includeUsage: boolean }) {}

  push(e: MessageEvent): OutEvent[] {
    switch (e.type) {
      case 'message_start': {
        const message = (e['message'] ?? {}) as { model?: string; usage?: Partial<MessageUsage> };
        this.model = message.model ?? '';
        this.usage = { ...message.usage };
        return [this.chunk({ role: 'assistant', content: '' }, null)];
      }
      case 'content_block_start': {
        const block = (e['content_block'] ?? {}) as { type?: string; id?: string; name?: string };
        if (block.type !== 'tool_use') return [];
        const index = this.tools++;
        this.toolIndex.set(Number(e['index']), index);
        return [this.chunk({ tool_calls: [{ index, id: block.id ?? '', type: 'function', function: { name: block.name ?? '', arguments: '' } }] }, null)];
      }
      case 'content_block_delta': {
        const delta = (e['delta'] ?? {}) as { type?: string; text?: string; partial_json?: string };
        if (delta.type === 'text_delta') return [this.chunk({ content: delta.text ?? '' }, null)];
        if (delta.type === 'input_json_delta') {
          const index = this.toolIndex.get(Number(e['index']));
          if (index === undefined) return [];
          return [this.chunk({ tool_calls: [{ index, function: { arguments: delta.partial_json ?? '' } }] }, null)];
        }
        return [];
      }
      case 'message_delta': {
        const delta = (e['delta'] ?? {}) as { stop_reason?: string | null };
        const usage = (e['usage'] ?? {}) as Partial<MessageUsage>;
        for (const [k, v] of Object.entries(usage)) if (typeof v === 'number') (this.usage as Record<string, number>)[k] = v;
        this.finish = finishReasonOf(delta.stop_reason ?? 'end_turn');
        this.finished = true;
        return [this.chunk({}, this.finish)];
      }
      case 'message_stop':
        return this.end();
      default:
        return [];
    }
  }

  /** The closing events: the finish reason if none came, the usage chunk when asked, `[DONE]`. */
  end(): OutEvent[] {
    if (this.done) return [];
    this.done = true;
    const out: OutEvent[] = [];
    if (!this.finished) out.push(this.chunk({}, 'stop'));
    if (this.o.includeUsage) out.push({ event: null, data: { ...this.base(), choices: [], usage: chatUsageOf(this.usage) } });
    out.push({ event: null, data: '[DONE]' });
    return out;
  }

  /** Usage so far, as OpenAI counts it. */
  get chatUsage(): ChatUsage {
    return chatUsageOf(this.usage);
  }

  private base() {
    return { id: this.o.id, object: 'chat.completion.chunk' as const, created: this.o.created, model: this.model };
  }

  private chunk(delta: ChatDelta, finish: string | null): OutEvent {
    const chunk: ChatChunk = { ...this.base(), choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] };
    return { event: null, data: chunk };
  }
}

/**
 * OpenAI chat chunks -> Anthropic stream events: `message_start`, a `content_block_*` sequence per
 * text run and per tool call, `message_delta` with the stop reason and usage, `message_stop`.
 *
 * @example
 * const t = new ChatToAnthropicStream({ id: 'msg_1', model: 'route' });
 * for (const chunk of chunks) for (const e of t.push(chunk)) send(e.event, e.data);
 * for (const e of t.end()) send(e.event, e.data);
 */
export class ChatToAnthropicStream {
  private started = false;
  private open: { index: number; kind: 'text' | 'tool'; tool?: number } | null = null;
  private blocks = 0;
  private stop: string | null = null;
  private usage: Partial<ChatUsage> | null = null;
  private done = false;

  constructor(private readonly o: { id: string; model: string }) {}

  push(chunk: ChatChunk): OutEvent[] {
    const out: OutEvent[] = [];
    this.start(out, chunk.model);
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices?.[0];
    if (!choice) return out;
    const delta = choice.delta ?? {};
    if (typeof delta.content === 'string' && delta.content !== '') {
      if (this.open?.kind !== 'text') this.openBlock(out, { type: 'text', text: '' }, 'text');
      out.push(ev('content_block_delta', { type: 'content_block_delta', index: this.open!.index, delta: { type: 'text_delta', text: delta.content } }));
    }
    for (const call of delta.tool_calls ?? []) {
      const isNew = this.open?.kind !== 'tool' || this.open.tool !== call.index;
      if (isNew) this.openBlock(out, { type: 'tool_use', id: call.id ?? `toolu_${call.index}`, name: call.function?.name ?? '', input: {} }, 'tool', call.index);
      const args = call.function?.arguments;
      if (args) out.push(ev('content_block_delta', { type: 'content_block_delta', index: this.open!.index, delta: { type: 'input_json_delta', partial_json: args } }));
    }
    if (choice.finish_reason) this.stop = stopReasonOf(choice.finish_reason);
    return out;
  }

  /** Closes the open block and the message (call once the upstream's stream is over). */
  end(): OutEvent[] {
    if (this.done) return [];
    this.done = true;
    const out: OutEvent[] = [];
    this.start(out, '');
    this.closeBlock(out);
    const usage = { input_tokens: this.usage?.prompt_tokens ?? 0, output_tokens: this.usage?.completion_tokens ?? 0 };
    out.push(ev('message_delta', { type: 'message_delta', delta: { stop_reason: this.stop ?? 'end_turn', stop_sequence: null }, usage }));
    out.push(ev('message_stop', { type: 'message_stop' }));
    return out;
  }

  private start(out: OutEvent[], model: string): void {
    if (this.started) return;
    this.started = true;
    out.push(ev('message_start', {
      type: 'message_start',
      message: { id: this.o.id, type: 'message', role: 'assistant', model: model || this.o.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } },
    }));
  }

  private openBlock(out: OutEvent[], block: Record<string, unknown>, kind: 'text' | 'tool', tool?: number): void {
    this.closeBlock(out);
    const index = this.blocks++;
    this.open = tool === undefined ? { index, kind } : { index, kind, tool };
    out.push(ev('content_block_start', { type: 'content_block_start', index, content_block: block }));
  }

  private closeBlock(out: OutEvent[]): void {
    if (!this.open) return;
    out.push(ev('content_block_stop', { type: 'content_block_stop', index: this.open.index }));
    this.open = null;
  }
}

function ev(event: string, data: unknown): OutEvent {
  return { event, data };
}
