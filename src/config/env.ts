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
 * Where each referenced variable is written: its name and the path of every string that mentions it,
 * so an unset variable is reported at the line that needs it.
 *
 * @example
 * envReferencePaths({ variants: [{ apiKey: '${KEY}' }] }); // Map { 'KEY' => [['variants', 0, 'apiKey']] }
 */
export function envReferencePaths(value: unknown, path: (string | number)[] = [], found = new Map<string, (string | number)[][]>()): Map<string, (string | number)[][]> {
  if (typeof value === 'string') {
    for (const m of value.matchAll(REF)) {
      const name = m[1] ?? '';
      const paths = found.get(name) ?? [];
      if (!found.has(name)) found.set(name, paths);
      paths.push(path);
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => envReferencePaths(v, [...path, i], found));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) envReferencePaths(v, [...path, k], found);
  }
  return found;
}

/**
 * Replaces `${NAME}` references with values from `env`. Secrets are resolved only here, at the moment
 * an adapter is built: the stored config keeps the references, never the values. With `keepUnset`
 * (validation), a reference to an unset variable stays as written, so checks of the value can tell.
 *
 * @example
 * resolveEnv({ apiKey: '${OPENAI_API_KEY}' }, process.env);
 */
export function resolveEnv<T>(value: T, env: NodeJS.ProcessEnv, keepUnset = false): T {
  if (typeof value === 'string') {
    return value.replace(REF, (ref, name: string) => (env[name] === undefined || env[name] === '') && keepUnset ? ref : env[name] ?? '') as T;
  }
  if (Array.isArray(value)) return value.map((v) => resolveEnv(v, env, keepUnset)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveEnv(v, env, keepUnset)])) as T;
  }
  return value;
}

/** Whether a value still holds an unresolved `${NAME}` (its variable is unset: reported on its own). */
export function hasReference(value: unknown): boolean {
  return typeof value === 'string' && /\$\{[A-Za-z_][A-Za-z0-9_]*\}/.test(value);
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
