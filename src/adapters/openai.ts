import type OpenAI from 'openai';
import * as z from 'zod';
import { createRandom } from '../model/random.js';
import { AdapterError } from './errors.js';
import { toAdapterError } from './provider-errors.js';
import { parseChatCompletion } from './provider-openai-response.js';
import type { ProviderErrorContext } from './provider-errors.js';
import { endpointOf, NO_KEY, NO_KEY_HEADERS, raceAbort, SDK_TIMEOUT_MS, secretsOf, warmOverLoopback } from './provider-shared.js';
import type { Adapter, AdapterContext, AdapterRequest, AdapterResponse } from './types.js';

const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/**
 * Options of the `openai` adapter: any server speaking OpenAI's chat-completions wire format
 * (OpenAI, Azure-style gateways, vLLM, Ollama, llama.cpp, LiteLLM, OpenRouter, Groq...).
 *
 * @example
 * openaiOptionsSchema.parse({ model: 'gpt-4o-mini', temperature: 0 });
 */
export const openaiOptionsSchema = z.strictObject({
  model: z.string().min(1).describe('Model name as the server knows it, e.g. gpt-4o-mini or llama3.1:8b.'),
  baseURL: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe(
      'Base URL of an OpenAI-compatible server, including the /v1 prefix (e.g. http://localhost:11434/v1). Default: https://api.openai.com/v1.',
    ),
  apiKey: z
    .string()
    .min(1)
    .optional()
    .describe(
      'API key, normally a reference such as ${OPENAI_API_KEY}. Without baseURL it defaults to the OPENAI_API_KEY variable; with a baseURL no key is sent unless given here.',
    ),
  temperature: z.number().min(0).max(2).optional().describe('Sampling temperature (0 to 2).'),
  maxTokens: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('Most tokens to generate. Sent as max_completion_tokens to api.openai.com, as max_tokens to other servers.'),
  topP: z.number().min(0).max(1).optional().describe('Nucleus sampling: the probability mass to sample from (0 to 1).'),
  stop: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .describe('Sequence(s) at which the server stops generating.'),
  params: z
    .record(z.string(), z.unknown())
    .optional()
    .describe(
      'Extra request body fields sent as-is (seed, reasoning_effort, response_format...). Merged over the fields above; model, messages and stream cannot be replaced.',
    ),
  headers: z.record(z.string(), z.string()).optional().describe('Extra HTTP headers sent with every request.'),
});

/** Options as written in a variant; the factory applies the schema's checks itself. */
export type OpenAIOptions = z.input<typeof openaiOptionsSchema>;

/**
 * Creates the `openai` adapter. The SDK client never retries and never times out on its own: the
 * trial runner owns both, through its retry loop and `request.signal`. Throws an `AdapterError`
 * (kind `client`) at once when no API key can be found for api.openai.com.
 *
 * @example
 * const adapter = createOpenAIAdapter({ model: 'gpt-4o-mini', apiKey: key }, { baseDir: '.' });
 * const { output, tokens } = await adapter.call({ prompt: 'Capital of France?', signal, ... });
 */
export function createOpenAIAdapter(options: OpenAIOptions, _ctx: AdapterContext): Adapter {
  const opts = openaiOptionsSchema.parse(options);
  const baseURL = opts.baseURL ?? OPENAI_BASE_URL;
  const official = new URL(baseURL).hostname === 'api.openai.com';
  if (official && opts.apiKey === undefined && !process.env['OPENAI_API_KEY']) {
    throw new AdapterError('client', MISSING_KEY, { retryable: false });
  }
  // The SDK is imported on the first call: a run (or a CLI command) that never calls it never pays
  // its start-up time and memory.
  let ready: Promise<{ client: OpenAI; errorContext: ProviderErrorContext }> | undefined;
  const load = async () => {
    const { default: SDK } = await import('openai');
    const client = createClient(SDK, opts, baseURL, official);
    const errorContext: ProviderErrorContext = {
      provider: 'openai',
      endpoint: endpointOf(baseURL, OPENAI_BASE_URL),
      secrets: secretsOf(client.apiKey === NO_KEY ? undefined : (client.apiKey ?? undefined), opts.headers),
      classes: SDK,
    };
    return { client, errorContext };
  };

  return {
    kind: 'openai',
    async warm() {
      await (ready ??= load());
      const { default: SDK } = await import('openai');
      const request: AdapterRequest = { prompt: 'warm-up', task: { id: 'warm-up', input: {} }, signal: new AbortController().signal, rng: createRandom(0), attempt: 1 };
      await warmOverLoopback(WARM_REPLY, async (origin) => {
        const client = createClient(SDK, { ...opts, apiKey: 'warm-up', headers: undefined }, `${origin}/v1`, false);
        parseChatCompletion(await client.chat.completions.create(buildBody(opts, request, false)));
      });
    },
    async call(request: AdapterRequest): Promise<AdapterResponse> {
      request.signal.throwIfAborted();
      const { client, errorContext } = await (ready ??= load());
      const body = buildBody(opts, request, official);
      let raw: unknown;
      try {
        raw = await raceAbort(client.chat.completions.create(body, { signal: request.signal }), request.signal);
      } catch (err) {
        // The runner tells timeout from cancellation by signal.reason, so hand that back untouched.
        if (request.signal.aborted) throw request.signal.reason;
        throw toAdapterError(err, errorContext);
      }
      return parseChatCompletion(raw);
    },
  };
}

/** What the loopback server of `warm` answers: a minimal chat completion. */
const WARM_REPLY = {
  id: 'warm-up', object: 'chat.completion', created: 0, model: 'warm-up',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop', logprobs: null }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
};

const MISSING_KEY = 'openai: no API key for api.openai.com: set `apiKey: ${OPENAI_API_KEY}` in the variant or export OPENAI_API_KEY';

function createClient(SDK: typeof OpenAI, opts: z.output<typeof openaiOptionsSchema>, baseURL: string, official: boolean): OpenAI {
  // A custom server gets nothing from the environment: no OPENAI_API_KEY, org or project id.
  const apiKey = opts.apiKey ?? (official ? undefined : NO_KEY);
  const defaultHeaders = apiKey === NO_KEY ? { ...NO_KEY_HEADERS, ...opts.headers } : opts.headers;
  try {
    return new SDK({
      apiKey,
      baseURL,
      adminAPIKey: null,
      ...(official ? {} : { organization: null, project: null }),
      defaultHeaders,
      maxRetries: 0,
      timeout: SDK_TIMEOUT_MS,
      // The SDK's debug logs print request details; keep them off whatever OPENAI_LOG says.
      logLevel: 'off',
    });
  } catch (err) {
    const missingKey = err instanceof Error && err.message.startsWith('Missing credentials');
    const message = missingKey ? MISSING_KEY : `openai: cannot create the client: ${err instanceof Error ? err.message : String(err)}`;
    throw new AdapterError('client', message, { retryable: false, cause: err });
  }
}

function buildBody(
  opts: z.output<typeof openaiOptionsSchema>,
  request: AdapterRequest,
  official: boolean,
): OpenAI.ChatCompletionCreateParamsNonStreaming {
  const messages: OpenAI.ChatCompletionMessageParam[] = [];
  if (request.system !== undefined && request.system !== '') messages.push({ role: 'system', content: request.system });
  messages.push({ role: 'user', content: request.prompt });
  const sampling: Record<string, unknown> = {};
  if (opts.temperature !== undefined) sampling['temperature'] = opts.temperature;
  if (opts.topP !== undefined) sampling['top_p'] = opts.topP;
  if (opts.stop !== undefined) sampling['stop'] = opts.stop;
  // OpenAI deprecated max_tokens (its reasoning models reject it); most other servers only know max_tokens.
  if (opts.maxTokens !== undefined) sampling[official ? 'max_completion_tokens' : 'max_tokens'] = opts.maxTokens;
  return { ...sampling, ...opts.params, model: opts.model, messages, stream: false };
}
