/**
 * The wire shapes the gateway reads and writes, as loose structural types: clients send fields these
 * types do not name (they pass through untouched), so every interface keeps an index signature.
 * Field names are the providers' own (snake_case), as on the wire.
 */

/** One of OpenAI's chat messages: system, developer, user, assistant or tool. */
export interface ChatMessage {
  role: string;
  content?: string | ChatPart[] | null;
  name?: string;
  tool_calls?: ChatToolCall[];
  tool_call_id?: string;
  [field: string]: unknown;
}

export interface ChatPart {
  type: string;
  text?: string;
  image_url?: { url: string; detail?: string };
  [field: string]: unknown;
}

export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** `POST /v1/chat/completions`. */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  tools?: { type: string; function: { name: string; description?: string; parameters?: unknown; strict?: boolean } }[];
  tool_choice?: string | { type: string; function?: { name: string } };
  parallel_tool_calls?: boolean;
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string | string[] | null;
  response_format?: { type: string; json_schema?: { name?: string; schema?: unknown } };
  user?: string;
  [field: string]: unknown;
}

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  [field: string]: unknown;
}

/** A non-streamed chat completion. */
export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: { index: number; message: { role: 'assistant'; content: string | null; tool_calls?: ChatToolCall[]; refusal?: string | null; [f: string]: unknown }; finish_reason: string | null; logprobs?: unknown }[];
  usage?: ChatUsage;
  [field: string]: unknown;
}

/** One `data:` event of a streamed chat completion. */
export interface ChatChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: { index: number; delta: ChatDelta; finish_reason: string | null; logprobs?: unknown }[];
  usage?: ChatUsage | null;
  [field: string]: unknown;
}

export interface ChatDelta {
  role?: string;
  content?: string | null;
  tool_calls?: { index: number; id?: string; type?: 'function'; function?: { name?: string; arguments?: string } }[];
  refusal?: string | null;
  [field: string]: unknown;
}

/** A content block of Anthropic's Messages API. */
export interface MessageBlock {
  type: string;
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
  tool_use_id?: string;
  content?: string | MessageBlock[];
  is_error?: boolean;
  source?: { type: string; media_type?: string; data?: string; url?: string };
  [field: string]: unknown;
}

export interface MessageParam {
  role: 'user' | 'assistant';
  content: string | MessageBlock[];
}

/** `POST /v1/messages`. */
export interface MessagesRequest {
  model: string;
  messages: MessageParam[];
  max_tokens?: number;
  system?: string | MessageBlock[];
  stream?: boolean;
  stop_sequences?: string[];
  temperature?: number;
  top_p?: number;
  top_k?: number;
  tools?: { name: string; description?: string; input_schema?: unknown; type?: string; [f: string]: unknown }[];
  tool_choice?: { type: string; name?: string; disable_parallel_tool_use?: boolean };
  metadata?: { user_id?: string };
  [field: string]: unknown;
}

export interface MessageUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  [field: string]: unknown;
}

/** A non-streamed Messages API response. */
export interface Message {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: MessageBlock[];
  stop_reason: string | null;
  stop_sequence: string | null;
  usage: MessageUsage;
  [field: string]: unknown;
}

/** One server-sent event of a streamed Messages API response (`event:` name and its `data:` object). */
export interface MessageEvent {
  type: string;
  [field: string]: unknown;
}

/** Which API a client called, or an upstream speaks. */
export type Wire = 'openai' | 'anthropic';
