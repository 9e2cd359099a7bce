import { describe, expect, it } from 'vitest';
import { errorBody } from './errors.js';
import { chatToMessagesRequest, messagesToChatRequest } from './requests.js';
import { completionToMessage, finishReasonOf, messageToCompletion, stopReasonOf } from './responses.js';
import { SseParser } from './sse.js';
import { AnthropicToChatStream, ChatToAnthropicStream } from './streams.js';
import type { ChatChunk, ChatCompletion, Message, MessageEvent } from './types.js';

/** An Anthropic stream as a Messages API server sends it (captured from aimock, Anthropic's shape). */
const ANTHROPIC_STREAM = `event: message_start
data: {"type":"message_start","message":{"id":"msg_Uhwuk18hs5uYx_DB","type":"message","role":"assistant","content":[],"model":"m","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":9,"output_tokens":0}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Paris is the capital"}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"."}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"city\\":"}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"\\"Paris\\"}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":1}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":6}}

event: message_stop
data: {"type":"message_stop"}

`;

/** OpenAI chunks as a chat completions server streams them (captured from aimock, OpenAI's shape). */
const CHAT_STREAM = `data: {"id":"chatcmpl-EQS48","object":"chat.completion.chunk","created":1796149458,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}

data: {"id":"chatcmpl-EQS48","object":"chat.completion.chunk","created":1796149458,"model":"m","choices":[{"index":0,"delta":{"content":"Paris is the capital"},"logprobs":null,"finish_reason":null}]}

data: {"id":"chatcmpl-EQS48","object":"chat.completion.chunk","created":1796149458,"model":"m","choices":[{"index":0,"delta":{"content":"."},"logprobs":null,"finish_reason":null}]}

data: {"id":"chatcmpl-EQS48","object":"chat.completion.chunk","created":1796149458,"model":"m","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}

data: {"id":"chatcmpl-EQS48","object":"chat.completion.chunk","created":1796149458,"model":"m","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":6,"total_tokens":7}}

data: [DONE]

`;

/** Feeds text to the parser in 7-byte pieces, splitting events and UTF-8 characters anywhere. */
function events(text: string) {
  const parser = new SseParser();
  const bytes = new TextEncoder().encode(text);
  const out = [];
  for (let i = 0; i < bytes.length; i += 7) out.push(...parser.push(bytes.subarray(i, i + 7)));
  out.push(...parser.end());
  return out;
}

describe('server-sent events', () => {
  it('reads events split anywhere, with CRLF line ends and comments', () => {
    expect(events(': ping\r\nevent: a\r\ndata: {"x":"é"}\r\n\r\ndata: 1\ndata: 2\n\n').map((e) => [e.event, e.data])).toEqual([['a', '{"x":"é"}'], ['', '1\n2']]);
  });
});

describe('requests, OpenAI chat <-> Anthropic messages', () => {
  it('moves system prompts, tools, tool calls and results, images and stop sequences', () => {
    const out = chatToMessagesRequest({
      model: 'route', max_tokens: 50, temperature: 1.5, stop: 'END', tool_choice: 'required', parallel_tool_calls: false,
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Look:' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
      ],
    });
    expect(out).toEqual({
      model: 'route', max_tokens: 50, temperature: 1, system: 'Be brief.', stop_sequences: ['END'],
      tools: [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Look:' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'sunny' }] },
      ],
    });
  });

  it('turns a Messages request (as Claude Code sends it) into chat messages, tool results first', () => {
    const out = messagesToChatRequest({
      model: 'claude-sonnet-4-5', max_tokens: 100, stream: true, system: [{ type: 'text', text: 'You are Claude Code.' }],
      tools: [{ name: 'Bash', input_schema: { type: 'object' } }], tool_choice: { type: 'tool', name: 'Bash' },
      messages: [
        { role: 'user', content: 'list files' },
        { role: 'assistant', content: [{ type: 'text', text: 'Running.' }, { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'a.txt' }] }, { type: 'text', text: 'and?' }] },
      ],
    });
    expect(out).toEqual({
      model: 'claude-sonnet-4-5', max_tokens: 100, stream: true, stream_options: { include_usage: true },
      tools: [{ type: 'function', function: { name: 'Bash', parameters: { type: 'object' } } }], tool_choice: { type: 'function', function: { name: 'Bash' } },
      messages: [
        { role: 'system', content: 'You are Claude Code.' },
        { role: 'user', content: 'list files' },
        { role: 'assistant', content: 'Running.', tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'Bash', arguments: '{"command":"ls"}' } }] },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'a.txt' },
        { role: 'user', content: 'and?' },
      ],
    });
  });
});

describe('answers and stop reasons', () => {
  it('maps stop reasons both ways', () => {
    expect(['end_turn', 'max_tokens', 'tool_use', 'stop_sequence', 'refusal'].map(finishReasonOf)).toEqual(['stop', 'length', 'tool_calls', 'stop', 'content_filter']);
    expect(['stop', 'length', 'tool_calls', 'content_filter'].map(stopReasonOf)).toEqual(['end_turn', 'max_tokens', 'tool_use', 'refusal']);
  });

  it('translates a whole answer with a tool call both ways', () => {
    const message: Message = {
      id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-haiku-4-5', stop_reason: 'tool_use', stop_sequence: null,
      content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }],
      usage: { input_tokens: 10, output_tokens: 4, cache_read_input_tokens: 5 },
    };
    const completion = messageToCompletion(message, { id: 'chatcmpl-1', created: 1 });
    expect(completion.choices[0]).toEqual({
      index: 0, logprobs: null, finish_reason: 'tool_calls',
      message: { role: 'assistant', content: 'Checking.', refusal: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
    });
    expect(completion.usage).toMatchObject({ prompt_tokens: 15, completion_tokens: 4, total_tokens: 19 });
    const back = completionToMessage(completion as ChatCompletion, { id: 'msg_2' });
    expect(back.content).toEqual(message.content);
    expect(back.stop_reason).toBe('tool_use');
  });

  it('writes errors in the format of the API called', () => {
    expect(JSON.parse(errorBody('openai', 'authentication', 'bad key'))).toEqual({ error: { message: 'bad key', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
    expect(JSON.parse(errorBody('anthropic', 'not_found', 'no such model'))).toEqual({ type: 'error', error: { type: 'not_found_error', message: 'no such model' } });
  });
});

describe('streams', () => {
  it('turns an Anthropic stream into chat chunks: text, tool calls, finish reason, usage, [DONE]', () => {
    const t = new AnthropicToChatStream({ id: 'chatcmpl-1', created: 1, includeUsage: true });
    const out = events(ANTHROPIC_STREAM).flatMap((e) => t.push(JSON.parse(e.data) as MessageEvent)).concat(t.end());
    const chunks = out.map((e) => e.data);
    expect(chunks[chunks.length - 1]).toBe('[DONE]');
    const real = chunks.slice(0, -1) as ChatChunk[];
    expect(real.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Paris is the capital.');
    const calls = real.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]).toEqual({ index: 0, id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '' } });
    expect(calls.map((c) => c.function?.arguments ?? '').join('')).toBe('{"city":"Paris"}');
    expect(real.find((c) => c.choices[0]?.finish_reason)?.choices[0]?.finish_reason).toBe('tool_calls');
    expect(real[real.length - 1]).toMatchObject({ choices: [], usage: { prompt_tokens: 9, completion_tokens: 6, total_tokens: 15 } });
  });

  it('turns chat chunks into an Anthropic event sequence that ends properly', () => {
    const t = new ChatToAnthropicStream({ id: 'msg_1', model: 'route' });
    const out = events(CHAT_STREAM).filter((e) => e.data !== '[DONE]').flatMap((e) => t.push(JSON.parse(e.data) as ChatChunk)).concat(t.end());
    expect(out.map((e) => e.event)).toEqual([
      'message_start', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop',
    ]);
    expect(out[5]!.data).toEqual({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { input_tokens: 1, output_tokens: 6 } });
  });
});
