import type Anthropic from '@anthropic-ai/sdk';
import * as z from 'zod';
import { createRandom } from '../model/random.js';
import { AdapterError } from './errors.js';
import { parseAnthropicMessage } from './provider-anthropic-response.js';
import { toAdapterError } from './provider-errors.js';
import type { ProviderErrorContext } from './provider-errors.js';
import { endpointOf, NO_KEY, NO_KEY_HEADERS, raceAbort, SDK_TIMEOUT_MS, secretsOf, warmOverLoopback } from './provider-shared.js';
import type { Adapter, AdapterContext, AdapterRequest, AdapterResponse } from './types.js';

const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
const NO_CREDENTIALS =
  'anthropic: no credentials for api.anthropic.com: set `apiKey: ${ANTHROPIC_API_KEY}` in the variant or export ANTHROPIC_API_KEY';

/**
 * Options of the `anthropic` adapter (the Messages API). Sampling parameters (temperature, top_p)
 * are not first-class: the API version the SDK speaks deprecates them; `params` still sends them to
 * servers that want them.
 *
 * @example
 * anthropicOptionsSchema.parse({ model: 'claude-haiku-4-5', maxTokens: 512 });
 */
export const anthropicOptionsSchema = z.strictObject({
  model: z.string().min(1).describe('Model name, e.g. claude-sonnet-4-5.'),
  baseURL: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe('Base URL of an Anthropic-compatible server, without /v1 (the SDK adds /v1/messages). Default: https://api.anthropic.com.'),
  apiKey: z
    .string()
    .min(1)
    .optional()
    .describe(
      "API key, normally a reference such as ${ANTHROPIC_API_KEY}. Without baseURL the SDK's defaults apply (ANTHROPIC_API_KEY, then its credential chain); with a baseURL no key is sent unless given here. Sent as `Authorization: Bearer`; add headers: { x-api-key: ... } for servers that want that header.",
    ),
  maxTokens: z.number().int().positive().default(1024).describe('Most tokens to generate (max_tokens). Default 1024.'),
  stop: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .describe('Sequence(s) at which the model stops generating (stop_sequences).'),
  params: z
    .record(z.string(), z.unknown())
    .optional()
    .describe(
      'Extra request body fields sent as-is (thinking, output_config, metadata, temperature for servers that accept it...). Merged over the fields above; model, messages and stream cannot be replaced, and the variant system prompt wins over params.system.',
    ),
  headers: z
    .record(z.string(), z.string())
    .optional()
    .describe('Extra HTTP headers sent with every request (anthropic-beta, anthropic-version...).'),
});

/** Options as written in a variant; the factory applies the schema's defaults and checks itself. */
export type AnthropicOptions = z.input<typeof anthropicOptionsSchema>;

/**
 * Creates the `anthropic` adapter. The system prompt comes from the request. The SDK client never
 * retries and never times out on its own: the trial runner owns both, through its retry loop and
 * `request.signal`.
 *
 * @example
 * const adapter = createAnthropicAdapter({ model: 'claude-haiku-4-5', apiKey: key }, { baseDir: '.' });
 * const { output, tokens } = await adapter.call({ prompt: 'Capital of France?', signal, ... });
 */
export function createAnthropicAdapter(options: AnthropicOptions, _ctx: AdapterContext): Adapter {
  const opts = anthropicOptionsSchema.parse(options);
  // The SDK is imported on the first call: a run (or a CLI command) that never calls it never pays
  // its start-up time and memory.
  let ready: Promise<{ client: Anthropic; errorContext: ProviderErrorContext }> | undefined;
  const load = async () => {
    const { default: SDK } = await import('@anthropic-ai/sdk');
    const client = createClient(SDK, opts);
    const errorContext: ProviderErrorContext = {
      provider: 'anthropic',
      endpoint: endpointOf(opts.baseURL, ANTHROPIC_BASE_URL),
      secrets: [...secretsOf(client.apiKey === NO_KEY ? undefined : (client.apiKey ?? undefined), opts.headers), ...(client.authToken ? [client.authToken] : [])],
      classes: SDK,
    };
    return { client, errorContext };
  };

  return {
    kind: 'anthropic',
    async warm() {
      await (ready ??= load());
      const { default: SDK } = await import('@anthropic-ai/sdk');
      const request: AdapterRequest = { prompt: 'warm-up', task: { id: 'warm-up', input: {} }, signal: new AbortController().signal, rng: createRandom(0), attempt: 1 };
      await warmOverLoopback(WARM_REPLY, async (origin) => {
        const client = createClient(SDK, { ...opts, apiKey: 'warm-up', baseURL: origin, headers: undefined });
        parseAnthropicMessage(await client.messages.create(buildBody(opts, request)));
      });
    },
    async call(request: AdapterRequest): Promise<AdapterResponse> {
      request.signal.throwIfAborted();
      const { client, errorContext } = await (ready ??= load());
      let raw: unknown;
      try {
        raw = await raceAbort(client.messages.create(buildBody(opts, request), { signal: request.signal }), request.signal);
      } catch (err) {
        // The runner tells timeout from cancellation by signal.reason, so hand that back untouched.
        if (request.signal.aborted) throw request.signal.reason;
        if (err instanceof Error && err.message.startsWith('Could not resolve authentication method')) {
          throw new AdapterError('client', NO_CREDENTIALS, { retryable: false });
        }
        throw toAdapterError(err, errorContext);
      }
      return parseAnthropicMessage(raw);
    },
  };
}

/** What the loopback server of `warm` answers: a minimal message. */
const WARM_REPLY = {
  id: 'warm-up', type: 'message', role: 'assistant', model: 'warm-up', content: [{ type: 'text', text: 'ok' }],
  stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 },
};

function createClient(SDK: typeof Anthropic, opts: z.output<typeof anthropicOptionsSchema>): Anthropic {
  // A custom server gets nothing from the environment: ANTHROPIC_API_KEY is for api.anthropic.com.
  const apiKey = opts.apiKey ?? (opts.baseURL === undefined ? undefined : NO_KEY);
  const defaultHeaders = apiKey === NO_KEY ? { ...NO_KEY_HEADERS, ...opts.headers } : opts.headers;
  return new SDK({
    ...(apiKey === undefined ? {} : { apiKey }),
    baseURL: opts.baseURL ?? ANTHROPIC_BASE_URL,
    defaultHeaders,
    maxRetries: 0,
    timeout: SDK_TIMEOUT_MS,
    // The SDK's debug logs print request details; keep them off whatever ANTHROPIC_LOG says.
    logLevel: 'off',
  });
}

function buildBody(opts: z.output<typeof anthropicOptionsSchema>, request: AdapterRequest): Anthropic.MessageCreateParamsNonStreaming {
  const body: Record<string, unknown> = { max_tokens: opts.maxTokens };
  if (opts.stop !== undefined) body['stop_sequences'] = typeof opts.stop === 'string' ? [opts.stop] : opts.stop;
  Object.assign(body, opts.params, {
    model: opts.model,
    messages: [{ role: 'user', content: request.prompt }],
    stream: false,
  });
  if (request.system !== undefined && request.system !== '') body['system'] = request.system;
  return body as unknown as Anthropic.MessageCreateParamsNonStreaming;
}
