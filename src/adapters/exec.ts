import { resolve } from 'node:path';
import * as z from 'zod';
import { AdapterError } from './errors.js';
import { ProcessExitError, runProcess } from './exec-process.js';
import { redact } from './provider-errors.js';
import { secretsOf } from './provider-shared.js';
import type { Adapter, AdapterContext, AdapterRequest, AdapterResponse } from './types.js';

const PLACEHOLDER = /\{\{(prompt|system)\}\}/g;

/**
 * Options of the `exec` adapter: a command run once per trial (CLI agents such as codex, claude,
 * gemini, aider, or any script). Its stdout is the output.
 *
 * @example
 * execOptionsSchema.parse({ command: ['claude', '-p', '{{prompt}}'] });
 */
export const execOptionsSchema = z.strictObject({
  command: z
    .array(z.string())
    .min(1)
    .refine((argv) => (argv[0] ?? '') !== '', 'the first element must name a program')
    .describe(
      'Program and arguments, e.g. ["codex", "exec", "{{prompt}}"]. Never run through a shell; the program is looked up on PATH, or relative to cwd when it contains a slash. {{prompt}} and {{system}} inside an argument are replaced by the prompt and the system prompt.',
    ),
  input: z
    .enum(['stdin', 'arg'])
    .optional()
    .describe(
      "How the prompt reaches the command: 'arg' fills {{prompt}} (or appends the prompt as a last argument when there is none), 'stdin' writes it to standard input. Default: 'arg' when an argument contains {{prompt}}, else 'stdin'.",
    ),
  cwd: z.string().optional().describe('Working directory, relative to the experiment file. Default: the experiment file directory.'),
  env: z
    .record(z.string(), z.string())
    .optional()
    .describe('Extra environment variables, added to the inherited environment. METAORCH_TASK_ID and METAORCH_ATTEMPT are always set.'),
  trim: z.boolean().default(true).describe('Remove trailing whitespace (the final newline) from stdout. Default true.'),
  maxOutputBytes: z
    .number()
    .int()
    .positive()
    .max(1024 * 1024 * 1024)
    .default(10 * 1024 * 1024)
    .describe('Most bytes of stdout accepted; beyond it the command is killed and the trial fails. Default 10 MiB, at most 1 GiB.'),
});

/** Options as written in a variant; the factory applies the schema's defaults and checks itself. */
export type ExecOptions = z.input<typeof execOptionsSchema>;

/**
 * How a CLI-agent preset reads its command's output (src/adapters/presets/): without it, stdout is
 * the answer and tokens and cost are unknown.
 */
export interface ExecOutput {
  /** The answer, with the tokens and cost the CLI reported (leave them out when it did not). */
  parse(stdout: string, stderr: string): AdapterResponse;
  /** A failure the CLI described in its output, classified (429 -> rate_limit, 5xx -> server), or null. */
  parseError?(stdout: string, stderr: string, exitCode: number | null): AdapterError | null;
  /** The program, and how to install it, for a clear "not found". */
  binary?: { name: string; install: string };
}

/**
 * Creates the `exec` adapter. Each call spawns the command in its own process group; aborting the
 * request kills the whole group. A non-zero exit is a non-retryable `process` error with the exit
 * status and the tail of stderr; stderr of a successful run is ignored.
 *
 * @example
 * const adapter = createExecAdapter({ command: ['codex', 'exec', '{{prompt}}'], cwd: 'repo' }, { baseDir: '/exp' });
 * const { output } = await adapter.call({ prompt: 'Fix the failing test', signal, ... });
 */
export function createExecAdapter(options: ExecOptions, ctx: AdapterContext, reader?: ExecOutput): Adapter {
  const opts = execOptionsSchema.parse(options);
  const cwd = resolve(ctx.baseDir, opts.cwd ?? '.');
  const input = opts.input ?? (opts.command.some((arg) => arg.includes('{{prompt}}')) ? 'arg' : 'stdin');

  return {
    kind: 'exec',
    async call(request: AdapterRequest): Promise<AdapterResponse> {
      const argv = buildArgv(opts.command, request, input);
      const env = { ...process.env, ...opts.env, METAORCH_TASK_ID: request.task.id, METAORCH_ATTEMPT: String(request.attempt) };
      const secrets = credentialsIn(env);
      let result;
      try {
        result = await runProcess({
          argv,
          cwd,
          env,
          secrets,
          ...(input === 'stdin' ? { stdin: request.prompt } : {}),
          signal: request.signal,
          maxStdoutBytes: opts.maxOutputBytes,
        });
      } catch (error) {
        throw explain(error, reader, secrets);
      }
      const text = result.stdout.toString('utf8');
      if (reader) return reader.parse(text, result.stderr);
      return { output: opts.trim ? text.trimEnd() : text };
    },
  };
}

/** A failed run as the preset reads it: its JSON error classified, or a missing program named. */
function explain(error: unknown, reader: ExecOutput | undefined, secrets: readonly string[]): unknown {
  if (!reader) return error;
  if (error instanceof ProcessExitError && reader.parseError) {
    const mapped = reader.parseError(error.stdout, error.stderr, error.exitCode);
    if (mapped) {
      return new AdapterError(mapped.kind, redact(mapped.message, secrets), {
        retryable: mapped.retryable, usageUnknown: mapped.usageUnknown, cause: error,
        ...(mapped.status !== undefined ? { status: mapped.status } : {}), ...(mapped.retryAfterMs !== undefined ? { retryAfterMs: mapped.retryAfterMs } : {}),
      });
    }
  }
  const code = (error as { cause?: { code?: unknown } }).cause?.code;
  if (reader.binary && code === 'ENOENT' && error instanceof AdapterError) {
    const { name, install } = reader.binary;
    return new AdapterError('process', `${name} is not installed (the program '${name}' is not on PATH): install it with \`${install}\`, or set bin: /path/to/${name}`, { retryable: false, cause: error });
  }
  return error;
}

/**
 * Values of variables whose name suggests a credential (OPENAI_API_KEY, GH_TOKEN...): a CLI agent
 * that fails may print them to stderr, which ends up in the error message. Short values are skipped:
 * they are flags, not keys.
 */
function credentialsIn(env: NodeJS.ProcessEnv): string[] {
  const named: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined && value.length >= 8) named[name] = value;
  return secretsOf(undefined, named);
}

/**
 * The argv for one call: placeholders filled in a single pass (so a prompt containing `{{system}}` is
 * left as written), and the prompt appended when input is 'arg' without a `{{prompt}}`.
 *
 * @example
 * buildArgv(['agent', '--task={{prompt}}'], request, 'arg'); // ['agent', '--task=Fix it']
 */
export function buildArgv(command: readonly string[], request: Pick<AdapterRequest, 'prompt' | 'system'>, input: 'stdin' | 'arg'): string[] {
  const fill = (arg: string): string =>
    arg.replace(PLACEHOLDER, (_match, name: string) => (name === 'prompt' ? request.prompt : (request.system ?? '')));
  const argv = command.map(fill);
  if (input === 'arg' && !command.some((arg) => arg.includes('{{prompt}}'))) argv.push(request.prompt);
  return argv;
}
