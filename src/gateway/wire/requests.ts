/**
 * Requests translated between OpenAI's chat completions and Anthropic's Messages API: system
 * prompts, every message role, images, tools and tool choice, tool results, stop sequences and
 * sampling. Pure functions of the request; `model` is left for the upstream to set.
 */
import type { ChatMessage, ChatPart, ChatRequest, MessageBlock, MessageParam, MessagesRequest } from './types.js';

/** What Anthropic requires and an OpenAI request may not say: `max_tokens`. */
export const DEFAULT_MAX_TOKENS = 4096;

/**
 * An OpenAI chat request as a Messages API request. System and developer messages become `system`;
 * tool messages become `tool_result` blocks of a user turn; consecutive turns of one role are merged
 * (the Messages API alternates roles). `response_format` has no Anthropic field: a JSON request is
 * added to the system prompt instead.
 *
 * @example
 * chatToMessagesRequest({ model: 'x', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }] });
 * // { model: 'x', system: 'Be brief.', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4096 }
 */
export function chatToMessagesRequest(req: ChatRequest, maxTokens = DEFAULT_MAX_TOKENS): MessagesRequest {
  const system: string[] = [];
  const messages: MessageParam[] = [];
  const push = (role: 'user' | 'assistant', blocks: MessageBlock[]) => {
    if (blocks.length === 0) return;
    const last = messages[messages.length - 1];
    if (last && last.role === role) last.content = [...asBlocks(last.content), ...blocks];
    else messages.push({ role, content: blocks });
  };
  for (const m of req.messages ?? []) {
    if (m.role === 'system' || m.role === 'developer') {
      const text = textOf(m.content);
      if (text) system.push(text);
    } else if (m.role === 'tool') {
      push('user', [{ type: 'tool_result', tool_use_id: m.tool_call_id ?? '', content: textOf(m.content) }]);
    } else if (m.role === 'assistant') {
      const blocks = chatPartsToBlocks(m.content);
      for (const call of m.tool_calls ?? []) {
        blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input: parseArguments(call.function.arguments) });
      }
      push('assistant', blocks);
    } else {
      push('user', chatPartsToBlocks(m.content));
    }
  }
  const format = req.response_format;
  if (format && format.type !== 'text') {
    const schema = format.json_schema?.schema;
    system.push(schema ? `Respond with only a JSON value that matches this JSON Schema: ${JSON.stringify(schema)}` : 'Respond with only a valid JSON object.');
  }
  const out: MessagesRequest = { model: req.model, messages: simplify(messages), max_tokens: req.max_completion_tokens ?? req.max_tokens ?? maxTokens };
  if (system.length) out.system = system.join('\n\n');
  if (req.stream) out.stream = true;
  if (typeof req.temperature === 'number') out.temperature = Math.min(1, req.temperature);
  if (typeof req.top_p === 'number') out.top_p = req.top_p;
  if (req.stop !== undefined && req.stop !== null) out.stop_sequences = Array.isArray(req.stop) ? req.stop : [req.stop];
  if (req.tools?.length) {
    out.tools = req.tools
      .filter((t) => t.type === 'function' && t.function)
      .map((t) => ({ name: t.function.name, ...(t.function.description ? { description: t.function.description } : {}), input_schema: t.function.parameters ?? { type: 'object', properties: {} } }));
  }
  const choice = toolChoiceToAnthropic(req.tool_choice, req.parallel_tool_calls);
  if (choice && out.tools) out.tool_choice = choice;
  if (typeof req.user === 'string') out.metadata = { user_id: req.user };
  return out;
}

/**
 * A Messages API request as an OpenAI chat request: `system` becomes the first message, tool results
 * become `tool` messages (before the rest of their turn), `tool_use` blocks become `tool_calls`.
 * Thinking blocks have no chat equivalent and are left out.
 *
 * @example
 * messagesToChatRequest({ model: 'x', max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: 'Hi' }] });
 * // { model: 'x', max_tokens: 100, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }] }
 */
export function messagesToChatRequest(req: MessagesRequest): ChatRequest {
  const messages: ChatMessage[] = [];
  const system = typeof req.system === 'string' ? req.system : textOf(req.system as ChatPart[] | undefined);
  if (system) messages.push({ role: 'system', content: system });
  for (const m of req.messages ?? []) {
    const blocks = asBlocks(m.content);
    if (m.role === 'assistant') {
      const text = blocks.filter((b) => b.type === 'text').map((b) => b.text ?? '').join('');
      const calls = blocks.filter((b) => b.type === 'tool_use').map((b) => ({
        id: b.id ?? '', type: 'function' as const, function: { name: b.name ?? '', arguments: JSON.stringify(b.input ?? {}) },
      }));
      const message: ChatMessage = { role: 'assistant', content: text === '' && calls.length ? null : text };
      if (calls.length) message.tool_calls = calls;
      messages.push(message);
      continue;
    }
    const rest: ChatPart[] = [];
    for (const b of blocks) {
      if (b.type === 'tool_result') {
        const content = typeof b.content === 'string' ? b.content : textOf((b.content ?? []) as ChatPart[]);
        messages.push({ role: 'tool', tool_call_id: b.tool_use_id ?? '', content: b.is_error ? `Error: ${content}` : content });
      } else if (b.type === 'text') {
        rest.push({ type: 'text', text: b.text ?? '' });
      } else if (b.type === 'image' && b.source) {
        const url = b.source.type === 'base64' ? `data:${b.source.media_type ?? 'image/png'};base64,${b.source.data ?? ''}` : (b.source.url ?? '');
        rest.push({ type: 'image_url', image_url: { url } });
      }
    }
    if (rest.length) {
      const onlyText = rest.every((p) => p.type === 'text');
      messages.push({ role: 'user', content: onlyText ? rest.map((p) => p.text ?? '').join('') : rest });
    }
  }
  const out: ChatRequest = { model: req.model, messages };
  if (typeof req.max_tokens === 'number') out.max_tokens = req.max_tokens;
  if (req.stream) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  if (typeof req.temperature === 'number') out.temperature = req.temperature;
  if (typeof req.top_p === 'number') out.top_p = req.top_p;
  if (req.stop_sequences?.length) out.stop = req.stop_sequences;
  const tools = (req.tools ?? []).filter((t) => t.type === undefined || t.type === 'custom');
  if (tools.length) {
    out.tools = tools.map((t) => ({
      type: 'function', function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.input_schema ?? { type: 'object', properties: {} } },
    }));
    const choice = req.tool_choice;
    if (choice?.type === 'any') out.tool_choice = 'required';
    else if (choice?.type === 'tool' && choice.name) out.tool_choice = { type: 'function', function: { name: choice.name } };
    else if (choice?.type === 'none') out.tool_choice = 'none';
    else if (choice?.type === 'auto') out.tool_choice = 'auto';
    if (choice?.disable_parallel_tool_use) out.parallel_tool_calls = false;
  }
  if (req.metadata?.user_id) out.user = req.metadata.user_id;
  return out;
}

/** The text of a chat content (a string, or text parts joined). */
export function textOf(content: string | ChatPart[] | MessageBlock[] | null | undefined): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => (p.type === 'text' && typeof p.text === 'string' ? p.text : '')).join('');
}

function chatPartsToBlocks(content: string | ChatPart[] | null | undefined): MessageBlock[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  const out: MessageBlock[] = [];
  for (const part of content ?? []) {
    if (part.type === 'text' && typeof part.text === 'string') {
      if (part.text !== '') out.push({ type: 'text', text: part.text });
    } else if (part.type === 'image_url' && part.image_url) {
      out.push(imageBlock(part.image_url.url));
    }
  }
  return out;
}

function imageBlock(url: string): MessageBlock {
  const data = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (data) return { type: 'image', source: { type: 'base64', media_type: data[1] ?? 'image/png', data: data[2] ?? '' } };
  return { type: 'image', source: { type: 'url', url } };
}

function asBlocks(content: string | MessageBlock[]): MessageBlock[] {
  return typeof content === 'string' ? (content === '' ? [] : [{ type: 'text', text: content }]) : content;
}

/** A turn of text blocks only becomes a plain string (what most servers log and echo best). */
function simplify(messages: MessageParam[]): MessageParam[] {
  for (const m of messages) {
    const blocks = m.content;
    if (Array.isArray(blocks) && blocks.length > 0 && blocks.every((b) => b.type === 'text')) m.content = blocks.map((b) => b.text ?? '').join('\n\n');
  }
  return messages;
}

function parseArguments(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text === '' ? '{}' : text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : { value };
  } catch {
    // A model's malformed arguments still reach the other side, as text.
    return { arguments: text };
  }
}

function toolChoiceToAnthropic(choice: ChatRequest['tool_choice'], parallel: boolean | undefined): MessagesRequest['tool_choice'] | undefined {
  const noParallel = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined) return parallel === false ? { type: 'auto', ...noParallel } : undefined;
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'any', ...noParallel };
  if (choice === 'auto') return { type: 'auto', ...noParallel };
  if (typeof choice === 'object' && choice.function?.name) return { type: 'tool', name: choice.function.name, ...noParallel };
  return undefined;
}
