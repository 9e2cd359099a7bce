import { basename, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as z from 'zod';
import { checkRegularFile, FileReadError } from '../model/files.js';
import type { Task } from '../model/task.js';
import type { TokenUsage } from '../model/trial.js';
import { AdapterError } from './errors.js';
import type { Adapter, AdapterContext, AdapterRequest, AdapterResponse } from './types.js';

export const moduleOptionsSchema = z.strictObject({
  file: z.string().describe('A .ts or .js file, relative to the experiment file.'),
  export: z.string().default('default').describe('Name of the exported function.'),
});
export type ModuleOptions = z.output<typeof moduleOptionsSchema>;

/** What a module variant's function receives besides the task input. */
export interface ModuleCallContext {
  task: Task;
  prompt: string;
  system?: string;
  signal: AbortSignal;
  attempt: number;
}

/** A module variant returns its output, or the output with what it cost. */
export type ModuleResult = string | number | boolean | { output: unknown; cost?: number; tokens?: Partial<TokenUsage> };
export type ModuleFunction = (input: Record<string, unknown>, ctx: ModuleCallContext) => ModuleResult | Promise<ModuleResult>;

/**
 * Imports a TypeScript or JavaScript file (TypeScript through tsx, so users need no build step).
 *
 * @example
 * const mod = await importUserModule('/abs/path/agent.ts');
 */
export async function importUserModule(file: string): Promise<Record<string, unknown>> {
  let mod: Record<string, unknown>;
  if (/\.(c|m)?tsx?$/.test(file)) {
    const { tsImport } = await import('tsx/esm/api');
    mod = (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
  } else {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  }
  return unwrapCommonJs(mod);
}

/**
 * A .ts file outside an ESM package is loaded as CommonJS, so its exports arrive wrapped in `default`;
 * unwrap them so `export default` and named exports read the same either way.
 */
function unwrapCommonJs(mod: Record<string, unknown>): Record<string, unknown> {
  const inner = mod['default'];
  if (inner !== null && typeof inner === 'object' && '__esModule' in inner) return inner as Record<string, unknown>;
  return mod;
}

/** Loads the named export and checks it is a function, with a message that says what was found. */
export async function loadModuleFunction(file: string, exportName: string): Promise<ModuleFunction> {
  const mod = await importUserModule(file);
  const fn = mod[exportName];
  if (typeof fn !== 'function') {
    const names = Object.keys(mod).join(', ') || 'nothing';
    throw new AdapterError('client', `${file} has no function export '${exportName}' (it exports: ${names})`, { retryable: false });
  }
  return fn as ModuleFunction;
}

/** Extensions a user module may have: Node loads JavaScript, tsx loads TypeScript. */
const MODULE_FILE = /\.(c|m)?(j|t)sx?$/;

/**
 * Loads a user's module file the way a trial will and checks the export is a function, so a file that
 * is not loadable JavaScript (or TypeScript) is refused by `validate` instead of failing every trial.
 * Returns what is wrong (a sentence naming the file), or null. Loading runs the module's top-level
 * code, as the run would.
 *
 * @example
 * await checkUserFunction('/abs/agent.ts', 'default'); // null, or "cannot load /abs/agent.ts: SyntaxError: ..."
 */
export async function checkUserFunction(file: string, exportName: string): Promise<string | null> {
  try {
    checkRegularFile(file);
  } catch (e) {
    if (!(e instanceof FileReadError)) throw e;
    return e.message === 'file not found' ? `file not found: ${file}` : `${file}: ${e.message}`;
  }
  if (!MODULE_FILE.test(file)) return `${file}: expected a .js, .mjs, .cjs, .ts, .mts or .cts file, got ${basename(file)}`;
  let mod: Record<string, unknown>;
  try {
    mod = await importUserModule(file);
  } catch (e) {
    return `cannot load ${file}: ${loadProblem(e)}`;
  }
  const fn = mod[exportName];
  if (typeof fn === 'function') return null;
  const names = Object.keys(mod).join(', ') || 'nothing';
  return `${file} has no function export '${exportName}' (it exports: ${names})`;
}

/** The line of a loader error that says what is wrong (esbuild puts it after a "Transform failed" line). */
function loadProblem(e: unknown): string {
  const message = e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e);
  const lines = message.split('\n').map((l) => l.trim()).filter(Boolean);
  const line = lines.find((l) => l.includes('ERROR:')) ?? lines[0] ?? 'unknown error';
  return line.length > 300 ? `${line.slice(0, 300)}...` : line;
}

/**
 * A variant that is a plain function in a `.ts`/`.js` file: `(input, ctx) => output | {output, cost, tokens}`.
 *
 * @example
 * // agent.ts: export default async (input) => `Hello ${input.name}`;
 * createModuleAdapter({ file: './agent.ts', export: 'default' }, { baseDir: process.cwd() });
 */
export function createModuleAdapter(options: ModuleOptions, ctx: AdapterContext): Adapter {
  const file = isAbsolute(options.file) ? options.file : resolve(ctx.baseDir, options.file);
  let loading: Promise<ModuleFunction> | undefined;
  let loaded: ModuleFunction | undefined;
  const call = (callable: ModuleFunction, request: AdapterRequest): AdapterResponse | Promise<AdapterResponse> => {
    const result = callable(request.task.input, new CallContext(request));
    return result instanceof Promise ? result.then(toResponse) : toResponse(result);
  };
  // Once loaded, a synchronous function's answer comes back at once (the trial finishes in the same tick).
  const load = () => (loading ??= loadModuleFunction(file, options.export).then((f) => (loaded = f)));
  const answer = (request: AdapterRequest): AdapterResponse | Promise<AdapterResponse> => {
    if (loaded) return call(loaded, request);
    return load().then((f) => call(f, request));
  };
  // Warm-up loads the module (and tsx for TypeScript) before any trial is timed.
  return { kind: 'module', answer, call: async (request) => answer(request), warm: async () => void (await load()) };
}

/** The context a module function receives; `signal` is read through, so it is created only if used. */
class CallContext implements ModuleCallContext {
  readonly task: Task;
  readonly prompt: string;
  readonly attempt: number;
  system?: string;
  constructor(private readonly request: AdapterRequest) {
    this.task = request.task;
    this.prompt = request.prompt;
    this.attempt = request.attempt;
    if (request.system !== undefined) this.system = request.system;
  }
  get signal(): AbortSignal {
    return this.request.signal;
  }
}

function toResponse(result: ModuleResult): AdapterResponse {
  if (result !== null && typeof result === 'object') {
    const output = typeof result.output === 'string' ? result.output : JSON.stringify(result.output);
    return { output, ...(result.cost !== undefined ? { cost: result.cost } : {}), ...(result.tokens ? { tokens: result.tokens } : {}) };
  }
  return { output: String(result) };
}
