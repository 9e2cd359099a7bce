/**
 * What every CLI-agent preset shares: its options (model, base URL, key, program, extra arguments),
 * the lookup of its program on PATH, and readers for the numbers CLIs print.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import * as z from 'zod';
import { AdapterError } from '../errors.js';
import type { ExecOptions, ExecOutput } from '../exec.js';
import type { AdapterContext } from '../types.js';

/** Options every preset takes; each adds its own. */
export const presetShape = {
  model: z.string().min(1).optional().describe('Model name passed to the CLI (its own default when absent).'),
  baseURL: z.string().url().optional().describe('An OpenAI/Anthropic/Gemini-compatible server to point the CLI at (a local mock, a proxy).'),
  apiKey: z.string().optional().describe('API key given to the CLI through its environment, normally ${ENV_VAR}.'),
  bin: z.string().optional().describe('The program when it is not on PATH, e.g. ./node_modules/.bin/codex.'),
  args: z.array(z.string()).default([]).describe('Extra arguments, placed before the prompt.'),
  cwd: z.string().optional().describe('Working directory, relative to the experiment or workflow file (agents edit files there).'),
  env: z.record(z.string(), z.string()).optional().describe('Extra environment variables.'),
  maxOutputBytes: z.number().int().positive().default(10 * 1024 * 1024).describe('Most bytes of stdout accepted. Default 10 MiB.'),
};

export const presetCommonSchema = z.strictObject(presetShape);
export type PresetCommon = z.output<typeof presetCommonSchema>;

/** A CLI agent ready to run through the exec adapter. */
export interface PresetBuild {
  exec: ExecOptions;
  output: ExecOutput;
}

/**
 * A preset: the program, how to install it, its options, and how it becomes an exec command with an
 * output reader.
 */
export interface Preset<S extends z.ZodObject = z.ZodObject> {
  kind: string;
  summary: string;
  binary: { name: string; install: string };
  options: S;
  build(options: z.output<S>, ctx: AdapterContext): PresetBuild;
}

/**
 * Where a program is: an absolute or relative path (relative to `baseDir`), or the first match on
 * PATH. Null when not found or not executable.
 *
 * @example
 * findProgram('codex', process.env, process.cwd()); // '/usr/local/bin/codex'
 */
export function findProgram(program: string, env: NodeJS.ProcessEnv, baseDir: string): string | null {
  const executable = (p: string) => {
    try {
      if (!existsSync(p) || !statSync(p).isFile()) return false;
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (program.includes('/') || isAbsolute(program)) {
    const full = resolve(baseDir, program);
    return executable(full) ? full : null;
  }
  for (const dir of (env['PATH'] ?? '').split(delimiter).filter(Boolean)) {
    const full = join(dir, program);
    if (executable(full)) return full;
  }
  return null;
}

/** The problem with a preset's program, for `validate`: which binary, and how to install it. */
export function checkProgram(preset: Pick<Preset, 'binary'>, bin: string | undefined, env: NodeJS.ProcessEnv, baseDir: string): string | null {
  const program = bin ?? preset.binary.name;
  if (findProgram(program, env, baseDir)) return null;
  return bin
    ? `bin: ${program} does not exist or is not executable`
    : `the ${preset.binary.name} CLI is not installed (no '${preset.binary.name}' on PATH): install it with \`${preset.binary.install}\`, or set bin: /path/to/${preset.binary.name}`;
}

/** `1.2k` -> 1200, `3,456` -> 3456. */
export function count(text: string): number {
  const t = text.replace(/,/g, '').trim();
  const m = /^([\d.]+)\s*([kKmM]?)$/.exec(t);
  if (!m) return Number.NaN;
  const scale = m[2]?.toLowerCase() === 'k' ? 1e3 : m[2]?.toLowerCase() === 'm' ? 1e6 : 1;
  return Math.round(Number(m[1]) * scale);
}

/**
 * An upstream failure a CLI reported in words ("API Error: 429 ...", "status 503"), classified by the
 * HTTP status in it: 429 -> rate_limit, 5xx -> server, other 4xx -> client. Null when it names none.
 */
export function errorFromText(program: string, text: string, usageUnknown = true): AdapterError | null {
  const status = /\b(?:status(?: code)?|API Error|HTTP|error)\D{0,12}([45]\d\d)\b/i.exec(text)?.[1] ?? (/rate.?limit/i.test(text) ? '429' : undefined);
  if (!status) return null;
  return AdapterError.fromStatus(Number(status), `${program}: ${text.trim().slice(0, 500)}`, { usageUnknown });
}

/** Each line of stdout that is a JSON object, in order (CLIs mix JSON lines with other output). */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of stdout.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try {
      const v = JSON.parse(t) as unknown;
      if (v && typeof v === 'object' && !Array.isArray(v)) out.push(v as Record<string, unknown>);
    } catch {
      // not JSON: a progress line
    }
  }
  return out;
}

/** The one JSON object a CLI printed (possibly after other lines), or null. */
export function jsonDocument(stdout: string): Record<string, unknown> | null {
  const start = stdout.indexOf('{');
  if (start < 0) return null;
  try {
    const v = JSON.parse(stdout.slice(start)) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return jsonLines(stdout).at(-1) ?? null;
  }
}

export const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The exec options every preset starts from. */
export function baseExec(o: PresetCommon, program: string, command: string[], input: 'stdin' | 'arg', env: Record<string, string>): ExecOptions {
  return {
    command: [o.bin ?? program, ...command],
    input,
    trim: true,
    maxOutputBytes: o.maxOutputBytes,
    env: { ...env, ...o.env },
    ...(o.cwd !== undefined ? { cwd: o.cwd } : {}),
  };
}
