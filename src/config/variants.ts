import * as z from 'zod';
import { adapterKinds, allAdapters, findAdapter } from '../adapters/registry.js';
import type { VariantSpec } from './experiment.js';
import { hasReference, resolveEnv } from './env.js';
import { describeIssues } from '../model/issue-text.js';
import { expectedAt } from './load-head.js';
import { fieldsAt } from './schema-keys.js';
import { variantCommonShape } from './schema.js';
import { didYouMean } from '../model/suggest.js';

const commonSchema = z.object(variantCommonShape);
const COMMON_KEYS = new Set(Object.keys(variantCommonShape));

export interface FieldIssue {
  path: (string | number)[];
  message: string;
  /** The problem is the field's name (an unknown field), not its value. */
  atKey?: boolean;
}

/** Adapters a shorthand string may name, and the option its text after the colon sets. */
const SHORTHAND: Record<string, string | null> = { openai: 'model', anthropic: 'model', module: 'file', mock: 'accuracy' };

/**
 * A variant written as one string, as promptfoo users write providers: `openai:gpt-4o-mini`,
 * `anthropic:claude-haiku-4-5`, `module:./agent.ts`, `mock` or `mock:0.8` (its accuracy). The whole
 * string is the variant's id. Returns the variant as a mapping, or what is wrong with the string.
 *
 * @example
 * expandShorthand('openai:gpt-4o-mini'); // { variant: { id: 'openai:gpt-4o-mini', adapter: 'openai', model: 'gpt-4o-mini' } }
 */
export function expandShorthand(text: string): { variant?: Record<string, unknown>; problem?: string } {
  const colon = text.indexOf(':');
  const adapter = colon < 0 ? text : text.slice(0, colon);
  const rest = colon < 0 ? '' : text.slice(colon + 1).trim();
  const forms = 'openai:MODEL, anthropic:MODEL, module:FILE, mock or mock:ACCURACY';
  if (!(adapter in SHORTHAND)) {
    const hint = didYouMean(adapter, Object.keys(SHORTHAND));
    const exec = adapter === 'exec' ? '; an exec variant needs its command as a list: { id, adapter: exec, command: [...] }' : '';
    return { problem: `'${text}' is not a variant shorthand${hint}${exec} (shorthands: ${forms}; otherwise write { id, adapter, ... })` };
  }
  const option = SHORTHAND[adapter] as string;
  if (adapter === 'mock') {
    if (rest === '') return { variant: { id: text, adapter } };
    const accuracy = Number(rest);
    if (!(accuracy >= 0 && accuracy <= 1)) return { problem: `'${text}': after mock: expected an accuracy between 0 and 1, got '${rest}'` };
    return { variant: { id: text, adapter, accuracy } };
  }
  if (rest === '') return { problem: `'${text}': expected ${adapter}:${option.toUpperCase()}, e.g. ${adapter === 'module' ? 'module:./agent.ts' : `${adapter}:${adapter === 'openai' ? 'gpt-4o-mini' : 'claude-haiku-4-5'}`}` };
  return { variant: { id: text, adapter, [option]: rest } };
}

/**
 * Validates one variant: common fields, then the adapter's own options (with env references resolved
 * for the check only). Every problem is in plain words; an unknown adapter or field names the closest
 * known one.
 *
 * @example
 * const { variant, issues } = validateVariant({ id: 'a', adapter: 'mock', accuracy: 0.8 }, process.env);
 */
export function validateVariant(raw: Record<string, unknown>, env: NodeJS.ProcessEnv, baseDir = process.cwd()): { variant?: VariantSpec; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const kind = raw['adapter'];
  if (typeof kind !== 'string') {
    const missing = kind === undefined ? 'missing' : `expected an adapter name, got ${typeof kind}`;
    issues.push({ path: ['adapter'], message: `${missing}: every variant needs an adapter, one of ${adapterKinds.join(', ')}` });
    if (typeof raw['id'] !== 'string') issues.push({ path: ['id'], message: missingId(raw['id']) });
    return { issues };
  }
  const definition = findAdapter(kind);
  if (!definition) {
    issues.push({ path: ['adapter'], message: `unknown adapter '${kind}'${didYouMean(kind, adapterKinds)} (known adapters: ${adapterKinds.join(', ')})` });
    if (typeof raw['id'] !== 'string') issues.push({ path: ['id'], message: missingId(raw['id']) });
    return { issues };
  }
  const common: Record<string, unknown> = {};
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'adapter') continue;
    (COMMON_KEYS.has(key) ? common : options)[key] = value;
  }
  const known = [...COMMON_KEYS, 'adapter', ...Object.keys(definition.options.shape)];
  const context = {
    expected: (path: (string | number)[]) => expectedAt(path),
    knownKeys: (path: (string | number)[]) => (path.length === 0 ? known : fieldsAt(COMMON_KEYS.has(String(path[0])) ? commonSchema : definition.options, path)),
    unknownFieldSuffix: (path: (string | number)[], key: string) => {
      if (path.length > 0) return '';
      const elsewhere = allAdapters().filter((a) => a.kind !== kind && key in a.options.shape).map((a) => a.kind);
      return ` for adapter '${kind}'${elsewhere.length ? ` (it is an option of ${elsewhere.join(', ')})` : ''}`;
    },
  };
  const c = commonSchema.safeParse(common, { reportInput: true });
  if (!c.success) {
    for (const p of describeIssues(c.error.issues, context)) issues.push(p.path[0] === 'id' && common['id'] === undefined ? { path: ['id'], message: missingId(undefined) } : p);
  }
  // Unset variables stay `${NAME}` for the check: the loader reports each once, where it is written.
  const o = definition.options.safeParse(resolveEnv(options, env, true), { reportInput: true });
  if (!o.success) issues.push(...describeIssues(o.error.issues.filter((i) => !hasReference(i.input)), context));
  // A CLI agent that is not installed: said at validation, before anything runs.
  if (o.success && definition.preflight) {
    for (const message of definition.preflight(o.data as Record<string, unknown>, env, baseDir)) issues.push({ path: typeof options['bin'] === 'string' ? ['bin'] : ['adapter'], message });
  }
  if (issues.length || !c.success || !o.success) return { issues };
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

function missingId(value: unknown): string {
  return value === undefined ? 'missing: every variant needs an id (a name such as gpt-4o-mini or careful)' : `expected an id (text), got ${typeof value}`;
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
