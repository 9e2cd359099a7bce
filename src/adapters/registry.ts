import type { z } from 'zod';
import { createAnthropicAdapter, anthropicOptionsSchema } from './anthropic.js';
import { createExecAdapter, execOptionsSchema } from './exec.js';
import { createMockAdapter, mockOptionsSchema } from './mock.js';
import { checkUserFunction, createModuleAdapter, moduleOptionsSchema } from './module.js';
import { createOpenAIAdapter, openaiOptionsSchema } from './openai.js';
import { checkProgram, PRESETS, type Preset } from './presets/index.js';
import type { Adapter, AdapterContext } from './types.js';

/** An adapter kind: its option schema and how to build it from validated options. */
export interface AdapterDefinition {
  kind: string;
  summary: string;
  options: z.ZodObject;
  create(options: Record<string, unknown>, ctx: AdapterContext): Adapter;
  /**
   * Checks at validation what the schema cannot (that a module file loads). Options are validated,
   * with `${ENV}` references resolved and file paths absolute. Returns the problems found.
   */
  check?(options: Record<string, unknown>): Promise<{ path: string[]; message: string }[]>;
  /** Problems found before anything runs (a CLI agent not installed), for `validate`. */
  preflight?(options: Record<string, unknown>, env: NodeJS.ProcessEnv, baseDir: string): string[];
}

function define<S extends z.ZodObject>(
  kind: string,
  summary: string,
  options: S,
  create: (options: z.output<S>, ctx: AdapterContext) => Adapter,
): AdapterDefinition {
  return { kind, summary, options, create: (o, ctx) => create(o as z.output<S>, ctx) };
}

const DEFINITIONS: readonly AdapterDefinition[] = [
  define('mock', 'seeded simulation of accuracy, latency, failures and cost', mockOptionsSchema, (o) => createMockAdapter(o)),
  define('openai', 'any OpenAI-compatible chat-completions server', openaiOptionsSchema, createOpenAIAdapter),
  define('anthropic', 'the Anthropic Messages API', anthropicOptionsSchema, createAnthropicAdapter),
  define('exec', 'a command run as a child process (codex, claude, gemini, aider...)', execOptionsSchema, createExecAdapter),
  {
    ...define('module', 'a function exported by a .ts/.js file', moduleOptionsSchema, createModuleAdapter),
    async check(options) {
      const o = moduleOptionsSchema.parse(options);
      const problem = await checkUserFunction(o.file, o.export);
      return problem === null ? [] : [{ path: ['file'], message: problem.replace(/^file not found/, 'module file not found') }];
    },
  },
  ...PRESETS.map(presetDefinition),
];

/** A CLI-agent preset as an adapter: an exec command with its output reader and its program checked. */
function presetDefinition(preset: Preset): AdapterDefinition {
  return {
    kind: preset.kind,
    summary: `CLI agent preset: ${preset.summary}`,
    options: preset.options,
    create(options, ctx) {
      const { exec, output } = preset.build(options, ctx);
      return { ...createExecAdapter(exec, ctx, { ...output, binary: preset.binary }), kind: preset.kind };
    },
    preflight(options, env, baseDir) {
      const problem = checkProgram(preset, typeof options['bin'] === 'string' ? options['bin'] : undefined, env, baseDir);
      return problem ? [problem] : [];
    },
  };
}

const BY_KIND = new Map(DEFINITIONS.map((d) => [d.kind, d]));

/** Names of every adapter, for error messages and docs. */
export const adapterKinds: readonly string[] = DEFINITIONS.map((d) => d.kind);

/** @example findAdapter('openai')?.options.parse(variantOptions) */
export function findAdapter(kind: string): AdapterDefinition | undefined {
  return BY_KIND.get(kind);
}

export function allAdapters(): readonly AdapterDefinition[] {
  return DEFINITIONS;
}
