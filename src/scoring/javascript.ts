import { isAbsolute, resolve } from 'node:path';
import * as z from 'zod';
import { importUserModule } from '../adapters/module.js';
import type { Task } from '../model/task.js';
import { ScorerFailure, type Scorer, type ScoreValue } from './types.js';

export const javascriptOptions = z.strictObject({
  file: z.string().describe('A .ts/.js module, relative to the experiment file.'),
  export: z.string().default('default').describe('Name of the exported scoring function.'),
});

/** What a javascript scorer function may return. */
export type ScoreFunctionResult = number | boolean | { score: number; reason?: string } | { pass: boolean; reason?: string };
export type ScoreFunction = (
  output: string,
  ctx: { task: Task; input: Record<string, unknown>; expected: unknown; prompt: string },
) => ScoreFunctionResult | Promise<ScoreFunctionResult>;

/**
 * Scores with a user's function: a number in [0,1], pass/fail, or either with a reason.
 *
 * @example
 * // score.ts: export default (output, { expected }) => ({ pass: output.includes(String(expected)) })
 * javascript({ file: './score.ts' }, { baseDir })
 */
export function javascript(options: z.input<typeof javascriptOptions>, ctx: { baseDir: string }): Scorer {
  const o = javascriptOptions.parse(options);
  const file = isAbsolute(o.file) ? o.file : resolve(ctx.baseDir, o.file);
  let fn: Promise<ScoreFunction> | undefined;
  const load = async (): Promise<ScoreFunction> => {
    const mod = await importUserModule(file);
    const f = mod[o.export];
    if (typeof f !== 'function') throw new ScorerFailure('javascript', `${file} has no function export '${o.export}'`);
    return f as ScoreFunction;
  };
  return {
    name: `javascript:${o.export === 'default' ? file.split('/').pop() : o.export}`,
    async warm() {
      fn ??= load();
      await fn;
    },
    async score({ output, task, prompt }) {
      fn ??= load();
      const result = await (await fn)(output, { task, input: task.input, expected: task.expected, prompt });
      return toScoreValue(result);
    },
  };
}

export function toScoreValue(result: ScoreFunctionResult): ScoreValue {
  if (typeof result === 'boolean') return { score: result ? 1 : 0, reason: result ? 'pass' : 'fail' };
  if (typeof result === 'number') return { score: clampScore(result), reason: `score ${result}` };
  if (result && typeof result === 'object') {
    if ('score' in result && typeof result.score === 'number') return { score: clampScore(result.score), reason: result.reason ?? `score ${result.score}` };
    if ('pass' in result && typeof result.pass === 'boolean') return { score: result.pass ? 1 : 0, reason: result.reason ?? (result.pass ? 'pass' : 'fail') };
  }
  throw new ScorerFailure('javascript', `expected a number, a boolean, {score, reason} or {pass, reason}, got ${JSON.stringify(result)}`);
}

function clampScore(x: number): number {
  if (!Number.isFinite(x)) throw new ScorerFailure('javascript', `score must be a finite number, got ${x}`);
  return Math.min(1, Math.max(0, x));
}
