import { describe, expect, it } from 'vitest';
import { ChatToResponsesStream, completionToResponse, responsesToChatRequest, type ResponsesContext } from './responses-api.js';
import type { ChatChunk, ChatCompletion } from './types.js';

const at = { id: 'resp_abc', created: 1_700_000_000 };

function context(custom: string[] = []): ResponsesContext {
  return { ...at, custom: new Set(custom), echo: {} };
}

function chunk(delta: ChatChunk['choices'][number]['delta'], finish: string | null = null): ChatChunk {
  return { id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] };
}

describe('responsesToChatRequest', () => {
  it('turns instructions, messages, calls and outputs into a chat conversation', () => {
    const r = responsesToChatRequest({
      model: 'chat', instructions: 'Be brief.', max_output_tokens: 50, temperature: 0.2, stream: true,
      input: [
        { role: 'developer', content: [{ type: 'input_text', text: 'Rules.' }] },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Look ' }, { type: 'input_image', image_url: 'data:image/png;base64,AAA' }] },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Checking.' }] },
        { type: 'function_call', call_id: 'c1', name: 'ls', arguments: '{}' },
        { type: 'custom_tool_call', call_id: 'c2', name: 'apply_patch', input: '*** Begin Patch' },
        { type: 'reasoning', summary: [] },
        { type: 'function_call_output', call_id: 'c1', output: 'a.txt' },
        { type: 'custom_tool_call_output', call_id: 'c2', output: [{ type: 'input_text', text: 'done' }] },
      ],
      tools: [{ type: 'function', name: 'ls', parameters: { type: 'object' } }, { type: 'custom', name: 'apply_patch', description: 'Patch files' }, { type: 'web_search' }],
      tool_choice: { type: 'function', name: 'ls' },
      text: { format: { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true } },
    }, at);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.chat.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'system', content: 'Rules.' },
      { role: 'user', content: [{ type: 'text', text: 'Look ' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAA' } }] },
      {
        role: 'assistant', content: 'Checking.', tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'ls', arguments: '{}' } },
          { id: 'c2', type: 'function', function: { name: 'apply_patch', arguments: '{"input":"*** Begin Patch"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'a.txt' },
      { role: 'tool', tool_call_id: 'c2', content: 'done' },
    ]);
    expect(r.chat.tools!.map((t) => t.function.name)).toEqual(['ls', 'apply_patch']);
    expect(r.chat.tools![1]!.function.parameters).toEqual({ type: 'object', properties: { input: { type: 'string' } }, required: ['input'] });
    expect(r.chat.tool_choice).toEqual({ type: 'function', function: { name: 'ls' } });
    expect(r.chat.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'out', schema: { type: 'object' }, strict: true } });
    expect(r.chat).toMatchObject({ max_completion_tokens: 50, temperature: 0.2, stream: true });
    expect([...r.context.custom]).toEqual(['apply_patch']);
  });

  it('refuses what needs stored state or cannot be translated, naming the field', () => {
    expect(responsesToChatRequest({ model: 'm', input: 'hi', previous_response_id: 'resp_1' }, at)).toMatchObject({ ok: false, param: 'previous_response_id' });
    expect(responsesToChatRequest({ model: 'm' }, at)).toMatchObject({ ok: false, param: 'input' });
    expect(responsesToChatRequest({ model: 'm', input: [{ type: 'message', role: 'user', content: [{ type: 'input_file', file_id: 'f' }] }] }, at)).toMatchObject({ ok: false, param: 'input[0].content' });
    expect(responsesToChatRequest({ model: 'm', input: [{ type: 'mystery' }] }, at)).toMatchObject({ ok: false, param: 'input[0].type' });
  });
});

describe('completionToResponse', () => {
  it('answers text, function calls and custom tool calls as output items, length as incomplete', () => {
    const c: ChatCompletion = {
      id: 'x', object: 'chat.completion', created: 0, model: 'gpt',
      choices: [{ index: 0, finish_reason: 'length', message: { role: 'assistant', content: 'Hi', tool_calls: [
        { id: 'c1', type: 'function', function: { name: 'ls', arguments: '{}' } },
        { id: 'c2', type: 'function', function: { name: 'apply_patch', arguments: '{"input":"*** Begin Patch"}' } },
      ] } }],
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
    };
    const r = completionToResponse(c, context(['apply_patch']));
    expect(r).toMatchObject({ id: 'resp_abc', object: 'response', status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, model: 'gpt' });
    expect(r.output.map((o) => o.type)).toEqual(['message', 'function_call', 'custom_tool_call']);
    expect(r.output[2]).toMatchObject({ call_id: 'c2', name: 'apply_patch', input: '*** Begin Patch' });
    expect(r.usage).toEqual({ input_tokens: 3, input_tokens_details: { cached_tokens: 0 }, output_tokens: 4, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 7 });
  });
});

describe('ChatToResponsesStream', () => {
  it('emits the Responses event sequence, numbered, with the whole response at the end', () => {
    const t = new ChatToResponsesStream(context(['apply_patch']));
    const events = [
      ...t.push(chunk({ role: 'assistant', content: '' })),
      ...t.push(chunk({ content: 'Pa' })),
      ...t.push(chunk({ content: 'ris' })),
      ...t.push(chunk({ tool_calls: [{ index: 0, id: 'c1', type: 'function', function: { name: 'ls', arguments: '{"a"' } }] })),
      ...t.push(chunk({ tool_calls: [{ index: 0, function: { arguments: ':1}' } }] })),
      ...t.push(chunk({ tool_calls: [{ index: 1, id: 'c2', type: 'function', function: { name: 'apply_patch', arguments: '{"input":' } }] })),
      ...t.push(chunk({ tool_calls: [{ index: 1, function: { arguments: '"P"}' } }] }, 'tool_calls')),
      ...t.push({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [], usage: { prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 } }),
      ...t.end(),
    ];
    expect(events.map((e) => e.event)).toEqual([
      'response.created', 'response.in_progress',
      'response.output_item.added', 'response.content_part.added', 'response.output_text.delta', 'response.output_text.delta',
      'response.output_text.done', 'response.content_part.done', 'response.output_item.done',
      'response.output_item.added', 'response.function_call_arguments.delta', 'response.function_call_arguments.delta',
      'response.function_call_arguments.done', 'response.output_item.done',
      'response.output_item.added', 'response.custom_tool_call_input.delta', 'response.custom_tool_call_input.done', 'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => (e.data as { sequence_number: number }).sequence_number)).toEqual(events.map((_, i) => i));
    const done = events.at(-1)!.data as { response: { output: unknown[]; usage: { total_tokens: number }; status: string } };
    expect(done.response.status).toBe('completed');
    expect(done.response.usage.total_tokens).toBe(11);
    expect(done.response.output).toMatchObject([
      { type: 'message', content: [{ type: 'output_text', text: 'Paris' }] },
      { type: 'function_call', call_id: 'c1', name: 'ls', arguments: '{"a":1}', status: 'completed' },
      { type: 'custom_tool_call', call_id: 'c2', name: 'apply_patch', input: 'P', status: 'completed' },
    ]);
    expect(t.end()).toEqual([]);
  });

  it('ends a broken stream with response.failed', () => {
    const t = new ChatToResponsesStream(context());
    t.push(chunk({ content: 'Pa' }));
    const [failed] = t.fail('connection lost');
    expect(failed).toMatchObject({ event: 'response.failed', data: { response: { status: 'failed', error: { code: 'server_error', message: 'connection lost' } } } });
    expect(t.end()).toEqual([]);
  });
});
