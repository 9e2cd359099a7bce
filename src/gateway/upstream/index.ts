import { findAdapter } from '../../adapters/registry.js';
import type { VariantSpec } from '../../config/experiment.js';
import { variantOptions } from '../config/load.js';
import { adapterUpstream } from './adapter-upstream.js';
import { anthropicUpstream, type AnthropicUpstreamOptions } from './anthropic-upstream.js';
import { openaiUpstream, type OpenAIUpstreamOptions } from './openai-upstream.js';
import type { Upstream } from './types.js';

export type { Upstream, UpstreamCall, UpstreamReply } from './types.js';

/**
 * The upstream of a variant: OpenAI-compatible and Anthropic variants are reached directly (a lean
 * pass-through), every other adapter through its own `call`. `${ENV}` references resolve here, and
 * nowhere else.
 *
 * @example
 * const upstream = createUpstream(route.variants[0], { env: process.env, baseDir, redact });
 */
export function createUpstream(variant: VariantSpec, ctx: { env: NodeJS.ProcessEnv; baseDir: string; redact: (t: string) => string }): Upstream {
  const options = variantOptions(variant, ctx.env);
  const common = { env: ctx.env, redact: ctx.redact, ...(variant.system !== undefined ? { system: variant.system } : {}) };
  if (variant.adapter === 'openai') return openaiUpstream(variant.id, options as unknown as OpenAIUpstreamOptions, common);
  if (variant.adapter === 'anthropic') return anthropicUpstream(variant.id, options as unknown as AnthropicUpstreamOptions, common);
  const definition = findAdapter(variant.adapter);
  if (!definition) throw new Error(`unknown adapter '${variant.adapter}'`);
  const adapter = definition.create(options, { baseDir: ctx.baseDir });
  const model = typeof options['model'] === 'string' ? options['model'] : variant.id;
  return adapterUpstream(variant.id, adapter, { model, redact: ctx.redact, ...(variant.system !== undefined ? { system: variant.system } : {}) });
}
