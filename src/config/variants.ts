import { z } from 'zod';
import { adapterKinds, findAdapter } from '../adapters/registry.js';
import type { VariantSpec } from './experiment.js';
import { resolveEnv } from './env.js';
import { variantCommonShape } from './schema.js';

const commonSchema = z.object(variantCommonShape);
const COMMON_KEYS = new Set(Object.keys(variantCommonShape));

export interface FieldIssue {
  path: (string | number)[];
  message: string;
}

/**
 * Validates one variant: common fields, then the adapter's own options (with env references resolved
 * for the check only). An unknown adapter lists the known ones.
 *
 * @example
 * const { variant, issues } = validateVariant({ id: 'a', adapter: 'mock', accuracy: 0.8 }, process.env);
 */
export function validateVariant(raw: Record<string, unknown>, env: NodeJS.ProcessEnv, baseDir = process.cwd()): { variant?: VariantSpec; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const kind = raw['adapter'];
  if (typeof kind !== 'string') {
    issues.push({ path: ['adapter'], message: `expected an adapter name, one of: ${adapterKinds.join(', ')}` });
    return { issues };
  }
  const definition = findAdapter(kind);
  if (!definition) {
    issues.push({ path: ['adapter'], message: `unknown adapter '${kind}'; known adapters: ${adapterKinds.join(', ')}` });
    return { issues };
  }
  const common: Record<string, unknown> = {};
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'adapter') continue;
    (COMMON_KEYS.has(key) ? common : options)[key] = value;
  }
  const c = commonSchema.safeParse(common);
  if (!c.success) issues.push(...c.error.issues.map((i) => ({ path: i.path as (string | number)[], message: i.message })));
  const o = definition.options.safeParse(resolveEnv(options, env));
  if (o.success && definition.preflight) {
    for (const message of definition.preflight(o.data as Record<string, unknown>, env, baseDir)) issues.push({ path: typeof options['bin'] === 'string' ? ['bin'] : ['adapter'], message });
  }
  if (!o.success) {
    issues.push(
      ...o.error.issues.map((i) => ({
        path: i.path as (string | number)[],
        message: i.code === 'unrecognized_keys' ? `unknown field(s) ${i.keys.map((k) => `'${k}'`).join(', ')} for adapter '${kind}'` : i.message,
      })),
    );
  }
  if (issues.length || !c.success) return { issues };
  const d = c.data;
  const variant: VariantSpec = { id: d.id, adapter: kind, options };
  if (d.prompt !== undefined) variant.prompt = d.prompt;
  if (d.system !== undefined) variant.system = d.system;
  if (d.cost !== undefined) variant.cost = d.cost;
  if (d.timeout !== undefined) variant.timeoutMs = d.timeout;
  if (d.retries !== undefined) variant.retries = d.retries;
  if (d.maxConcurrency !== undefined) variant.maxConcurrency = d.maxConcurrency;
  if (d.rateLimit !== undefined) variant.rateLimit = d.rateLimit;
  return { variant, issues };
}

/**
 * Marks an object as a variant definition in a variants folder; adding a variant means adding a file.
 *
 * @example
 * // variants/gpt4o-mini.ts
 * export default defineVariant({ id: 'gpt4o-mini', adapter: 'openai', model: 'gpt-4o-mini', apiKey: '${OPENAI_API_KEY}' });
 */
export function defineVariant<T extends { id: string; adapter: string } & Record<string, unknown>>(variant: T): T {
  return variant;
}
