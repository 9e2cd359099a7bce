import { createRedactor as createFragmentRedactor, type Redactor } from '../model/redact.js';

/** `${NAME}` references to environment variables inside config strings. */
const REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Names of the environment variables a value references, anywhere inside it. */
export function envReferences(value: unknown, found = new Set<string>()): Set<string> {
  if (typeof value === 'string') {
    for (const m of value.matchAll(REF)) found.add(m[1] ?? '');
  } else if (Array.isArray(value)) {
    for (const v of value) envReferences(v, found);
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) envReferences(v, found);
  }
  return found;
}

/**
 * Replaces `${NAME}` references with values from `env`. Secrets are resolved only here, at the moment
 * an adapter is built: the stored config keeps the references, never the values.
 *
 * @example
 * resolveEnv({ apiKey: '${OPENAI_API_KEY}' }, process.env);
 */
export function resolveEnv<T>(value: T, env: NodeJS.ProcessEnv): T {
  if (typeof value === 'string') {
    return value.replace(REF, (_, name: string) => env[name] ?? '') as T;
  }
  if (Array.isArray(value)) return value.map((v) => resolveEnv(v, env)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveEnv(v, env)])) as T;
  }
  return value;
}

/**
 * Blanks every secret value, and every piece of one of 6 characters or more, with `***`. Applied to
 * anything that leaves the process or reaches the store (outputs, error messages, score reasons).
 *
 * @example
 * createRedactor(['sk-aaaa1111bbbb'])('key tail 1111bbbb'); // 'key tail ***'
 */
export function createRedactor(secrets: Iterable<string>): Redactor {
  return createFragmentRedactor(secrets, '***');
}

/** The values of every referenced variable: these are treated as secrets. */
export function secretValues(value: unknown, env: NodeJS.ProcessEnv): string[] {
  return [...envReferences(value)].map((n) => env[n]).filter((v): v is string => typeof v === 'string');
}
