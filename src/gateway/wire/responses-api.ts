/**
 * OpenAI's Responses API (`POST /v1/responses`, what codex speaks) over chat completions: a request
 * becomes a chat request (instructions, input items, function and custom tools, tool outputs, text
 * format), and the chat answer (or the chat chunks of a stream, Anthropic's translated first) becomes
 * a Response object or the Responses event sequence. Pure; the gateway keeps no conversation state,
 * so a request names its whole conversation in `input` (`store: false`, as codex sends it).
 */
import { textOf } from './requests.js';
import type { OutEvent } from './streams.js';
import type { ChatChunk, ChatCompletion, ChatMessage, ChatPart, ChatRequest, ChatToolCall } from './types.js';

/** A content part of a Responses input or output message. */
export interface ResponsesPart {
  type: string;
  text?: string;
  refusal?: string;
  image_url?: string | null;
  detail?: string;
  [field: string]: unknown;
}

/** One item of a Responses `input` (a message, a tool call the model made, a tool's output, reasoning...). */
export interface ResponsesItem {
  type?: string;
  role?: string;
  content?: string | ResponsesPart[] | null;
  call_id?: string;
  name?: string;
  arguments?: string;
  input?: string;
  output?: string | ResponsesPart[];
  [field: string]: unknown;
}

export interface ResponsesTool {
  type: string;
  name?: string;
  description?: string | null;
  parameters?: unknown;
  strict?: boolean | null;
  [field: string]: unknown;
}

/** `POST /v1/responses`. */
export interface ResponsesRequest {
  model: string;
  input?: string | ResponsesItem[];
  instructions?: string | null;
  stream?: boolean;
  tools?: ResponsesTool[];
  tool_choice?: string | { type: string; name?: string };
  parallel_tool_calls?: boolean | null;
  max_output_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  text?: { format?: { type: string; name?: string; schema?: unknown; strict?: boolean | null; description?: string } } | null;
  previous_response_id?: string | null;
  user?: string;
  safety_identifier?: string;
  [field: string]: unknown;
}

/** An output item of a Response. */
export type ResponseOutputItem =
  | { type: 'message'; id: string; status: string; role: 'assistant'; content: ({ type: 'output_text'; text: string; annotations: unknown[]; logprobs: unknown[] } | { type: 'refusal'; refusal: string })[] }
  | { type: 'function_call'; id: string; call_id: string; name: string; arguments: string; status: string }
  | { type: 'custom_tool_call'; id: string; call_id: string; name: string; input: string; status: string };

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/** A Response object (what a non-streamed call answers and `response.completed` carries). */
export interface ResponseObject {
  id: string;
  object: 'response';
  created_at: number;
  status: 'in_progress' | 'completed' | 'incomplete' | 'failed';
  model: string;
  output: ResponseOutputItem[];
  usage: ResponsesUsage | null;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: string } | null;
  [field: string]: unknown;
}

/** What the answer's translation needs of the request: ids, the echoed fields, which tools were custom. */
export interface ResponsesContext {
  id: string;
  created: number;
  /** Names of `custom` tools: their calls go back as `custom_tool_call` items with the raw `input`. */
  custom: ReadonlySet<string>;
  /** The request's fields a Response echoes (instructions, tools, tool_choice, ...). */
  echo: Record<string, unknown>;
}

/** Item types that carry nothing a chat upstream can use (they are left out of the conversation). */
const SKIPPED_ITEMS = new Set(['reasoning', 'web_search_call', 'file_search_call', 'image_generation_call', 'code_interpreter_call', 'mcp_list_tools', 'compaction']);

/**
 * A Responses request as a chat request, with the context its answer's translation needs; or why it
 * cannot be served (a 400 naming the field). Developer and system messages and `instructions` become
 * system messages; `function_call` and `custom_tool_call` items become the assistant's `tool_calls`;
 * their outputs become `tool` messages; `custom` tools become functions taking `{ input: string }`;
 * hosted tools (web search, file search, namespaces...) are left out; reasoning items are skipped.
 *
 * @example
 * const r = responsesToChatRequest({ model: 'chat', instructions: 'Be brief.', input: 'Hi' }, { id: 'resp_1', created: 0 });
 * // r.ok && r.chat.messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }]
 */
export function responsesToChatRequest(req: ResponsesRequest, at: { id: string; created: number }):
  | { ok: true; chat: ChatRequest; context: ResponsesContext }
  | { ok: false; message: string; param: string } {
  if (typeof req.previous_response_id === 'string' && req.previous_response_id !== '') {
    return { ok: false, param: 'previous_response_id', message: "'previous_response_id' is not supported: the gateway keeps no conversation state. Send the whole conversation in 'input' (store: false), as codex does." };
  }
  if (req.background === true) return { ok: false, param: 'background', message: "'background' responses are not supported by the gateway." };
  if (req.conversation !== undefined && req.conversation !== null) return { ok: false, param: 'conversation', message: "'conversation' is not supported: the gateway keeps no conversation state; send the whole conversation in 'input'." };
  if (req.input === undefined || req.input === null || (typeof req.input !== 'string' && !Array.isArray(req.input))) {
    return { ok: false, param: 'input', message: "'input' is required: a string or an array of input items" };
  }
  const messages: ChatMessage[] = [];
  if (typeof req.instructions === 'string' && req.instructions !== '') messages.push({ role: 'system', content: req.instructions });
  const custom = new Set<string>();
  for (const t of req.tools ?? []) if (t && t.type === 'custom' && typeof t.name === 'string') custom.add(t.name);
  if (typeof req.input === 'string') {
    messages.push({ role: 'user', content: req.input });
  } else {
    for (let i = 0; i < req.input.length; i++) {
      const item = req.input[i];
      if (item === null || typeof item !== 'object') return { ok: false, param: `input[${i}]`, message: `input[${i}] must be an object (an input item)` };
      const type = item.type ?? 'message';
      if (type === 'message') {
        const content = partsToChat(item.content, `input[${i}].content`);
        if ('error' in content) return { ok: false, param: `input[${i}].content`, message: content.error };
        const role = item.role === 'developer' || item.role === 'system' ? 'system' : item.role === 'assistant' ? 'assistant' : 'user';
        messages.push({ role, content: content.value });
      } else if (type === 'function_call' || type === 'custom_tool_call') {
        const args = type === 'function_call' ? (typeof item.arguments === 'string' ? item.arguments : '{}') : JSON.stringify({ input: typeof item.input === 'string' ? item.input : '' });
        const call: ChatToolCall = { id: String(item.call_id ?? ''), type: 'function', function: { name: String(item.name ?? ''), arguments: args } };
        const last = messages[messages.length - 1];
        // Consecutive calls (and a call right after the assistant's text) are one assistant turn.
        if (last && last.role === 'assistant') last.tool_calls = [...(last.tool_calls ?? []), call];
        else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
      } else if (type === 'function_call_output' || type === 'custom_tool_call_output') {
        const output = typeof item.output === 'string' ? item.output : Array.isArray(item.output) ? textOf(item.output.map(asChatText)) : '';
        messages.push({ role: 'tool', tool_call_id: String(item.call_id ?? ''), content: output });
      } else if (type === 'item_reference') {
        return { ok: false, param: `input[${i}]`, message: `input[${i}] is an item_reference: the gateway keeps no stored items; send the item itself` };
      } else if (!SKIPPED_ITEMS.has(type)) {
        return { ok: false, param: `input[${i}].type`, message: `input[${i}] has type '${type}', which the gateway cannot translate for a chat upstream (served: message, function_call, function_call_output, custom_tool_call, custom_tool_call_output; reasoning and hosted tool calls are skipped)` };
      }
    }
  }
  const chat: ChatRequest = { model: req.model, messages };
  if (req.stream === true) chat.stream = true;
  if (typeof req.max_output_tokens === 'number') chat.max_completion_tokens = req.max_output_tokens;
  if (typeof req.temperature === 'number') chat.temperature = req.temperature;
  if (typeof req.top_p === 'number') chat.top_p = req.top_p;
  const user = typeof req.safety_identifier === 'string' ? req.safety_identifier : req.user;
  if (typeof user === 'string') chat.user = user;
  const tools: NonNullable<ChatRequest['tools']> = [];
  for (const t of req.tools ?? []) {
    if (t?.type === 'function' && typeof t.name === 'string') {
      tools.push({ type: 'function', function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.parameters ?? { type: 'object', properties: {} }, ...(typeof t.strict === 'boolean' ? { strict: t.strict } : {}) } });
    } else if (t?.type === 'custom' && typeof t.name === 'string') {
      const description = [t.description, 'Put the whole raw input for this tool in the string field `input`.'].filter(Boolean).join('\n\n');
      tools.push({ type: 'function', function: { name: t.name, description, parameters: { type: 'object', properties: { input: { type: 'string' } }, required: ['input'] } } });
    }
  }
  if (tools.length) {
    chat.tools = tools;
    const choice = req.tool_choice;
    if (choice === 'auto' || choice === 'none' || choice === 'required') chat.tool_choice = choice;
    else if (choice && typeof choice === 'object' && (choice.type === 'function' || choice.type === 'custom') && typeof choice.name === 'string') chat.tool_choice = { type: 'function', function: { name: choice.name } };
    if (typeof req.parallel_tool_calls === 'boolean') chat.parallel_tool_calls = req.parallel_tool_calls;
  }
  const format = req.text?.format;
  if (format?.type === 'json_schema') chat.response_format = { type: 'json_schema', json_schema: { name: format.name ?? 'response', schema: format.schema, ...(typeof format.strict === 'boolean' ? { strict: format.strict } : {}) } };
  else if (format?.type === 'json_object') chat.response_format = { type: 'json_object' };
  const echo: Record<string, unknown> = {
    instructions: req.instructions ?? null, tools: req.tools ?? [], tool_choice: req.tool_choice ?? 'auto', parallel_tool_calls: req.parallel_tool_calls ?? true,
    temperature: req.temperature ?? null, top_p: req.top_p ?? null, max_output_tokens: req.max_output_tokens ?? null, previous_response_id: null,
    reasoning: { effort: null, summary: null }, store: false, text: req.text ?? { format: { type: 'text' } }, truncation: 'disabled', metadata: req.metadata ?? {},
  };
  return { ok: true, chat, context: { id: at.id, created: at.created, custom, echo } };
}

/**
 * A chat completion as a Response: its text as a `message` item, its tool calls as `function_call`
 * (or `custom_tool_call`) items, `length` as an incomplete response, usage in the Responses' names.
 *
 * @example
 * completionToResponse(completion, context).output[0]; // { type: 'message', content: [{ type: 'output_text', text: 'Paris' ... }] ... }
 */
export function completionToResponse(c: ChatCompletion, ctx: ResponsesContext): ResponseObject {
  const choice = c.choices?.[0];
  const message = choice?.message;
  const output: ResponseOutputItem[] = [];
  const text = typeof message?.content === 'string' ? message.content : '';
  if (text !== '') output.push(messageItem(`msg_${ctx.id.slice(5)}`, text, 'completed'));
  if (typeof message?.refusal === 'string' && message.refusal !== '') {
    output.push({ type: 'message', id: `msg_${ctx.id.slice(5)}_refusal`, status: 'completed', role: 'assistant', content: [{ type: 'refusal', refusal: message.refusal }] });
  }
  (message?.tool_calls ?? []).forEach((t, i) => output.push(callItem(ctx, i, t.id, t.function?.name ?? '', t.function?.arguments ?? '', 'completed')));
  return response(ctx, c.model, statusOf(choice?.finish_reason ?? null), output, usageOf(c.usage ?? null));
}

/**
 * Chat chunks -> the Responses event sequence: `response.created`, `response.in_progress`, per text
 * run `response.output_item.added`, `response.content_part.added`, `response.output_text.delta`...,
 * `response.output_text.done`, `response.content_part.done`, `response.output_item.done`; per tool
 * call `response.output_item.added`, `response.function_call_arguments.delta`... `.done`,
 * `response.output_item.done`; then `response.completed` (or `response.incomplete`) with the whole
 * response and its usage. Every event has its `sequence_number`.
 *
 * @example
 * const t = new ChatToResponsesStream(context);
 * for (const chunk of chunks) for (const e of t.push(chunk)) send(e.event, e.data);
 * for (const e of t.end()) send(e.event, e.data);
 */
export class ChatToResponsesStream {
  private seq = 0;
  private started = false;
  private done = false;
  private model = '';
  private readonly output: ResponseOutputItem[] = [];
  private text: { index: number; item: Extract<ResponseOutputItem, { type: 'message' }>; parts: string[] } | null = null;
  private tool: { index: number; chatIndex: number } | null = null;
  private readonly tools = new Map<number, { index: number; item: Extract<ResponseOutputItem, { type: 'function_call' | 'custom_tool_call' }>; args: string[] }>();
  private finish: string | null = null;
  private usage: ResponsesUsage | null = null;

  constructor(private readonly ctx: ResponsesContext) {}

  push(chunk: ChatChunk): OutEvent[] {
    const out: OutEvent[] = [];
    if (typeof chunk.model === 'string' && chunk.model !== '') this.model = chunk.model;
    this.start(out);
    if (chunk.usage) this.usage = usageOf(chunk.usage);
    const choice = chunk.choices?.[0];
    if (!choice) return out;
    const delta = choice.delta ?? {};
    if (typeof delta.content === 'string' && delta.content !== '') {
      if (!this.text) {
        this.closeTool(out);
        const item = messageItem(`msg_${this.ctx.id.slice(5)}_${this.output.length}`, '', 'in_progress');
        item.content = [];
        this.text = { index: this.output.length, item, parts: [] };
        this.output.push(item);
        out.push(this.event('response.output_item.added', { output_index: this.text.index, item: { ...item, content: [] } }));
        out.push(this.event('response.content_part.added', { item_id: item.id, output_index: this.text.index, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } }));
      }
      this.text.parts.push(delta.content);
      out.push(this.event('response.output_text.delta', { item_id: this.text.item.id, output_index: this.text.index, content_index: 0, delta: delta.content, logprobs: [] }));
    }
    for (const call of delta.tool_calls ?? []) {
      let open = this.tools.get(call.index);
      if (!open) {
        this.closeText(out);
        this.closeTool(out);
        const index = this.output.length;
        const item = callItem(this.ctx, call.index, call.id ?? `call_${this.ctx.id.slice(5)}_${call.index}`, call.function?.name ?? '', '', 'in_progress');
        open = { index, item, args: [] };
        this.tools.set(call.index, open);
        this.tool = { index, chatIndex: call.index };
        this.output.push(item);
        out.push(this.event('response.output_item.added', { output_index: index, item: { ...item } }));
      } else if (call.function?.name && open.item.name === '') {
        open.item.name = call.function.name;
      }
      const args = call.function?.arguments;
      if (args) {
        open.args.push(args);
        // A custom tool's input is the `input` string inside the arguments: sent whole when the call ends.
        if (open.item.type === 'function_call') out.push(this.event('response.function_call_arguments.delta', { item_id: open.item.id, output_index: open.index, delta: args }));
      }
    }
    if (choice.finish_reason) this.finish = choice.finish_reason;
    return out;
  }

  /** Closes the open item and the response: `response.completed` (or `.incomplete`) with the whole response. */
  end(): OutEvent[] {
    if (this.done) return [];
    this.done = true;
    const out: OutEvent[] = [];
    this.start(out);
    this.closeText(out);
    this.closeTool(out);
    // A call's fragments that came after it was closed (interleaved parallel calls) still count.
    for (const t of this.tools.values()) if (t.item.type === 'function_call') t.item.arguments = t.args.join('');
    const status = statusOf(this.finish);
    const r = response(this.ctx, this.model, status, this.output, this.usage);
    out.push(this.event(status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response: r }));
    return out;
  }

  /** The stream broke after it started: `response.failed`, so the client knows why it ended. */
  fail(message: string): OutEvent[] {
    if (this.done) return [];
    this.done = true;
    const out: OutEvent[] = [];
    this.start(out);
    const r = response(this.ctx, this.model, 'failed', this.output, this.usage);
    r.error = { code: 'server_error', message };
    out.push(this.event('response.failed', { response: r }));
    return out;
  }

  private start(out: OutEvent[]): void {
    if (this.started) return;
    this.started = true;
    const r = response(this.ctx, this.model, 'in_progress', [], null);
    out.push(this.event('response.created', { response: r }));
    out.push(this.event('response.in_progress', { response: r }));
  }

  private closeText(out: OutEvent[]): void {
    if (!this.text) return;
    const { index, item, parts } = this.text;
    const text = parts.join('');
    item.status = 'completed';
    item.content = [{ type: 'output_text', text, annotations: [], logprobs: [] }];
    out.push(this.event('response.output_text.done', { item_id: item.id, output_index: index, content_index: 0, text, logprobs: [] }));
    out.push(this.event('response.content_part.done', { item_id: item.id, output_index: index, content_index: 0, part: { type: 'output_text', text, annotations: [] } }));
    out.push(this.event('response.output_item.done', { output_index: index, item }));
    this.text = null;
  }

  private closeTool(out: OutEvent[]): void {
    if (!this.tool) return;
    const open = this.tools.get(this.tool.chatIndex)!;
    this.tool = null;
    const args = open.args.join('');
    const item = open.item;
    item.status = 'completed';
    if (item.type === 'function_call') {
      item.arguments = args;
      out.push(this.event('response.function_call_arguments.done', { item_id: item.id, output_index: open.index, arguments: args }));
    } else {
      item.input = customInput(args);
      out.push(this.event('response.custom_tool_call_input.delta', { item_id: item.id, output_index: open.index, delta: item.input }));
      out.push(this.event('response.custom_tool_call_input.done', { item_id: item.id, output_index: open.index, input: item.input }));
    }
    out.push(this.event('response.output_item.done', { output_index: open.index, item }));
  }

  private event(type: string, fields: Record<string, unknown>): OutEvent {
    return { event: type, data: { type, sequence_number: this.seq++, ...fields } };
  }
}

function messageItem(id: string, text: string, status: string): Extract<ResponseOutputItem, { type: 'message' }> {
  return { type: 'message', id, status, role: 'assistant', content: [{ type: 'output_text', text, annotations: [], logprobs: [] }] };
}

function callItem(ctx: ResponsesContext, i: number, callId: string, name: string, args: string, status: string): Extract<ResponseOutputItem, { type: 'function_call' | 'custom_tool_call' }> {
  const id = `fc_${ctx.id.slice(5)}_${i}`;
  if (ctx.custom.has(name)) return { type: 'custom_tool_call', id, call_id: callId, name, input: customInput(args), status };
  return { type: 'function_call', id, call_id: callId, name, arguments: args, status };
}

/** A custom tool's raw input, from the `{ input }` arguments its function stand-in was called with. */
function customInput(args: string): string {
  try {
    const value = JSON.parse(args) as unknown;
    if (value && typeof value === 'object' && typeof (value as { input?: unknown }).input === 'string') return (value as { input: string }).input;
  } catch {
    // not JSON: the model wrote the input itself
  }
  return args;
}

function statusOf(finish: string | null): 'completed' | 'incomplete' {
  return finish === 'length' || finish === 'content_filter' ? 'incomplete' : 'completed';
}

function usageOf(u: ChatCompletion['usage'] | null): ResponsesUsage | null {
  if (!u) return null;
  const details = (u['prompt_tokens_details'] ?? {}) as { cached_tokens?: number };
  const out = (u['completion_tokens_details'] ?? {}) as { reasoning_tokens?: number };
  const input = u.prompt_tokens ?? 0;
  const output = u.completion_tokens ?? 0;
  return {
    input_tokens: input, input_tokens_details: { cached_tokens: details.cached_tokens ?? 0 }, output_tokens: output,
    output_tokens_details: { reasoning_tokens: out.reasoning_tokens ?? 0 }, total_tokens: u.total_tokens ?? input + output,
  };
}

function response(ctx: ResponsesContext, model: string, status: ResponseObject['status'], output: ResponseOutputItem[], usage: ResponsesUsage | null): ResponseObject {
  return {
    id: ctx.id, object: 'response', created_at: ctx.created, status, model, output: [...output], usage, error: null,
    incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null, ...ctx.echo,
  };
}

/** A Responses message's content as chat content (text parts joined; images kept as image parts). */
function partsToChat(content: ResponsesItem['content'], path: string): { value: string | ChatPart[] } | { error: string } {
  if (typeof content === 'string') return { value: content };
  if (!Array.isArray(content)) return { value: '' };
  const parts: ChatPart[] = [];
  for (let i = 0; i < content.length; i++) {
    const p = content[i]!;
    if (p.type === 'input_text' || p.type === 'output_text' || p.type === 'text') parts.push({ type: 'text', text: p.text ?? '' });
    else if (p.type === 'refusal') parts.push({ type: 'text', text: p.refusal ?? '' });
    else if (p.type === 'input_image' && typeof p.image_url === 'string') parts.push({ type: 'image_url', image_url: { url: p.image_url, ...(typeof p.detail === 'string' ? { detail: p.detail } : {}) } });
    else return { error: `${path}[${i}] has type '${p.type}', which the gateway cannot translate (served: input_text, output_text, refusal, input_image with image_url)` };
  }
  return { value: parts.every((p) => p.type === 'text') ? parts.map((p) => p.text ?? '').join('') : parts };
}

function asChatText(p: ResponsesPart): ChatPart {
  return { type: 'text', text: p.type === 'input_text' || p.type === 'output_text' || p.type === 'text' ? (p.text ?? '') : '' };
}
