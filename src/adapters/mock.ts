import { z } from 'zod';
import type { Random } from '../model/random.js';
import type { Task } from '../model/task.js';
import { AdapterError } from './errors.js';
import { sleep } from './sleep.js';
import type { Adapter } from './types.js';

const Z95 = 1.6448536269514722;
/** A simulated latency must fit a timer (Node's overflows past 2^31-1 ms and fires at once). */
const MAX_LATENCY_MS = 24 * 24 * 3_600_000;

export const mockOptionsSchema = z.strictObject({
  accuracy: z.number().min(0).max(1).default(1).describe("Probability that the output is the task's expected answer."),
  latencyMs: z
    .union([
      z.number().nonnegative().max(MAX_LATENCY_MS),
      z.strictObject({ median: z.number().positive().max(MAX_LATENCY_MS), p95: z.number().positive().max(MAX_LATENCY_MS) }).refine((v) => v.p95 >= v.median, {
        message: 'p95 must be at least the median',
      }),
    ])
    .default(0)
    .describe('Simulated latency: a fixed number of ms, or {median, p95} of a log-normal (at most 24 days, what a timer can wait).'),
  failureRate: z.number().min(0).max(1).default(0).describe('Probability that an attempt fails with a retryable error.'),
  tokens: z
    .strictObject({ input: z.number().int().nonnegative(), output: z.number().int().nonnegative() })
    .optional()
    .describe('Token counts reported per call (default: about 4 characters per token).'),
  reply: z.string().optional().describe('A fixed reply instead of the expected/wrong answer (e.g. to act as a judge).'),
  distractors: z.array(z.string()).min(1).optional().describe('Wrong answers to choose from when the draw misses.'),
});
export type MockOptions = z.output<typeof mockOptionsSchema>;

/**
 * A seeded simulation of an agent: right with probability `accuracy`, slow and failing as configured.
 * Part of the product, for demos, tests and simulation.
 *
 * @example
 * createMockAdapter(mockOptionsSchema.parse({ accuracy: 0.8, latencyMs: { median: 200, p95: 900 } }));
 */
export function createMockAdapter(options: MockOptions): Adapter {
  const latency = latencySampler(options.latencyMs);
  return {
    kind: 'mock',
    async call(request) {
      const { rng, task } = request;
      await sleep(latency(rng), request.signal);
      if (options.failureRate > 0 && rng.next() < options.failureRate) {
        throw new AdapterError('server', 'mock: simulated failure (503)', { retryable: true, status: 503 });
      }
      const correct = rng.next() < options.accuracy;
      const output = options.reply ?? (correct ? answerText(task.expected, task) : wrongAnswer(task, options.distractors, rng));
      const tokens = options.tokens ?? { input: Math.ceil(request.prompt.length / 4), output: Math.ceil(output.length / 4) };
      return { output, tokens };
    },
  };
}

function latencySampler(spec: MockOptions['latencyMs']): (rng: Random) => number {
  if (typeof spec === 'number') return () => spec;
  const mu = Math.log(spec.median);
  const sigma = (Math.log(spec.p95) - mu) / Z95;
  return (rng) => Math.exp(mu + sigma * rng.normal());
}

function answerText(expected: unknown, task: Task): string {
  if (expected === undefined) return `mock answer to ${task.id}`;
  return typeof expected === 'string' ? expected : JSON.stringify(expected);
}

/** A plausible wrong answer: another choice, a nearby number, a distractor, or a near-miss spelling. */
function wrongAnswer(task: Task, distractors: string[] | undefined, rng: Random): string {
  const expected = task.expected;
  const choices = task.input['choices'];
  if (Array.isArray(choices) && choices.length > 1) {
    const others = choices.filter((c) => String(c) !== String(expected));
    if (others.length) return String(others[rng.int(others.length)]);
  }
  if (distractors) {
    const others = distractors.filter((d) => d !== expected);
    if (others.length) return others[rng.int(others.length)] ?? 'wrong';
  }
  if (typeof expected === 'number') return String(expected + (1 + rng.int(9)) * (rng.next() < 0.5 ? -1 : 1));
  if (typeof expected === 'boolean') return String(!expected);
  if (typeof expected === 'string' && expected.length > 0) {
    const i = rng.int(expected.length);
    const replacement = String.fromCharCode(97 + ((expected.charCodeAt(i) - 96) % 26));
    return expected.slice(0, i) + replacement + expected.slice(i + 1);
  }
  return `wrong answer to ${task.id}`;
}
