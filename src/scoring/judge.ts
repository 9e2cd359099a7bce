import * as z from 'zod';
import { createRandom, hashSeed } from '../model/random.js';
import { renderTemplate } from '../tasks/template.js';
import { ScorerFailure, type Scorer, type ScorerContext, type ScoreValue } from './types.js';

export const DEFAULT_JUDGE_PROMPT = `You are grading an answer against a rubric.

Rubric:
{{rubric}}

Task input:
{{input}}

Reference answer (may be empty):
{{expected}}

Answer to grade:
{{output}}

Reply with only a JSON object: {"score": <a number from 0 to 1>, "reason": "<one sentence>"}`;

export const judgeOptions = z.strictObject({
  variant: z.record(z.string(), z.unknown()).describe('The grading variant, written like any variant (adapter and options).'),
  rubric: z.string().min(1).describe('What a good answer looks like.'),
  prompt: z.string().optional().describe('Custom grading prompt with {{rubric}}, {{input}}, {{expected}}, {{output}}.'),
});

/**
 * Another variant grades the output against a rubric and returns a score in [0,1] with its reason.
 *
 * @example
 * judge({ variant: { id: 'grader', adapter: 'openai', model: 'gpt-4o-mini' }, rubric: 'Correct and concise.' }, ctx)
 */
export function judge(options: z.input<typeof judgeOptions>, ctx: ScorerContext): Scorer {
  const o = judgeOptions.parse(options);
  const adapter = ctx.createJudgeAdapter(o.variant);
  const template = o.prompt ?? DEFAULT_JUDGE_PROMPT;
  return {
    name: `judge:${String(o.variant['id'] ?? o.variant['adapter'])}`,
    async warm() {
      await adapter.warm?.();
    },
    async score({ output, task, signal }) {
      const prompt = renderTemplate(template, {
        rubric: o.rubric,
        input: JSON.stringify(task.input),
        expected: task.expected === undefined ? '' : typeof task.expected === 'string' ? task.expected : JSON.stringify(task.expected),
        output,
      });
      const timeout = AbortSignal.timeout(ctx.judgeTimeoutMs);
      const reply = await adapter.call({
        prompt,
        task: { id: `judge:${task.id}`, input: { output }, expected: undefined },
        signal: AbortSignal.any([signal, timeout]),
        rng: createRandom(hashSeed('judge', task.id, output)),
        attempt: 1,
      });
      return parseVerdict(reply.output);
    },
  };
}

/** Reads `{"score": 0.8, "reason": "..."}` from a judge's reply, tolerating prose around it. */
export function parseVerdict(reply: string): ScoreValue {
  const json = /\{[\s\S]*\}/.exec(reply);
  if (json) {
    try {
      const v = JSON.parse(json[0]) as { score?: unknown; reason?: unknown };
      const score = Number(v.score);
      if (Number.isFinite(score) && score >= 0 && score <= 1) return { score, reason: typeof v.reason === 'string' ? v.reason : 'judge gave no reason' };
    } catch {
      // fall through to the plain-text form
    }
  }
  const plain = /score\W{0,3}(0(?:\.\d+)?|1(?:\.0+)?)\b/i.exec(reply);
  if (plain) return { score: Number(plain[1]), reason: reply.trim().slice(0, 200) };
  throw new ScorerFailure('judge', `could not read a score in [0,1] from the judge's reply: ${JSON.stringify(reply.slice(0, 120))}`);
}
