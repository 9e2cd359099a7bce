import * as z from 'zod';
import { durationSchema } from '../config/schema.js';
import type { Random } from '../model/random.js';
import type { Task } from '../model/task.js';
import { AdapterError } from './errors.js';
import { mockTopicSchema, vocabularyDrawer, type VocabularyDrawer } from './mock-vocabulary.js';
import { sleep } from './sleep.js';
import type { Adapter, AdapterRequest, AdapterResponse } from './types.js';

const Z95 = 1.6448536269514722;
/** A simulated latency must fit a timer (Node's overflows past 2^31-1 ms and fires at once). */
const MAX_LATENCY_MS = 24 * 24 * 3_600_000;

const latencySchema = z
  .union([
    z.number().nonnegative().max(MAX_LATENCY_MS),
    z.strictObject({ median: z.number().positive().max(MAX_LATENCY_MS), p95: z.number().positive().max(MAX_LATENCY_MS) }).refine((v) => v.p95 >= v.median, {
      message: 'p95 must be at least the median',
    }),
  ])
  .describe('Simulated latency: a fixed number of ms, or {median, p95} of a log-normal (at most 24 days, what a timer can wait).');

/** What a schedule entry may change, each optional. */
const changeShape = {
  accuracy: z.number().min(0).max(1).optional().describe('New accuracy from then on.'),
  failureRate: z.number().min(0).max(1).optional().describe('New failure rate (per attempt) from then on.'),
  latencyMs: latencySchema.optional().describe('New latency from then on.'),
  cost: z.number().nonnegative().optional().describe("Dollars per call reported from then on (replaces the variant's price)."),
};

const scheduleEntrySchema = z
  .strictObject({
    trial: z.number().int().nonnegative().optional().describe("Applies from this trial of the run on (the trial's sequence number, from 0)."),
    time: durationSchema.optional().describe('Applies from this long after the run (or its resume) started in this process.'),
    ...changeShape,
  })
  .refine((e) => (e.trial === undefined) !== (e.time === undefined), { message: 'expected exactly one of trial (a trial number) or time (a duration)' })
  .refine((e) => Object.keys(changeShape).some((k) => e[k as keyof typeof changeShape] !== undefined), {
    message: `expected at least one change: ${Object.keys(changeShape).join(', ')}`,
  })
  .describe('A change of behaviour from a trial number or an elapsed time, e.g. { trial: 2000, failureRate: 0.4 }.');

export const mockOptionsSchema = z.strictObject({
  accuracy: z.number().min(0).max(1).default(1).describe("Probability that the output is the task's expected answer."),
  latencyMs: latencySchema.default(0),
  failureRate: z.number().min(0).max(1).default(0).describe('Probability that an attempt fails with a retryable error.'),
  tokens: z
    .strictObject({ input: z.number().int().nonnegative(), output: z.number().int().nonnegative() })
    .optional()
    .describe('Token counts reported per call (default: about 4 characters per token).'),
  reply: z.string().optional().describe('A fixed reply instead of the expected/wrong answer (e.g. to act as a judge).'),
  distractors: z.array(z.string()).min(1).optional().describe('Wrong answers to choose from when the draw misses.'),
  schedule: z
    .array(scheduleEntrySchema)
    .optional()
    .describe('Drift for testing the controller: changes applied in order once their trial number or elapsed time is reached.'),
  topic: mockTopicSchema
    .optional()
    .describe("Topic mode: reply with the task's `batch` items (one per line) drawn from a seeded vocabulary, e.g. { vocabulary: 2000, skew: 1, overlap: 0.2 }."),
});
export type MockOptions = z.output<typeof mockOptionsSchema>;

/** The behaviour in force for one call: the options with every schedule entry reached applied. */
interface Profile {
  accuracy: number;
  failureRate: number;
  latency: (rng: Random) => number;
  cost: number | undefined;
}

/**
 * A seeded simulation of an agent: right with probability `accuracy`, slow and failing as configured,
 * changing behaviour as its `schedule` says (from a trial number or an elapsed time). Part of the
 * product, for demos, tests and simulation.
 *
 * @example
 * createMockAdapter(mockOptionsSchema.parse({ accuracy: 0.8, latencyMs: { median: 200, p95: 900 } }));
 * createMockAdapter(mockOptionsSchema.parse({ failureRate: 0.05, schedule: [{ trial: 2000, failureRate: 0.4 }] }));
 */
export function createMockAdapter(options: MockOptions, now: () => number = Date.now): Adapter {
  const base: Profile = { accuracy: options.accuracy, failureRate: options.failureRate, latency: latencySampler(options.latencyMs), cost: undefined };
  const profileAt = scheduleOf(base, options.schedule ?? [], now);
  const drawer = options.topic ? vocabularyDrawer(options.topic) : null;
  // No latency: the response is returned at once (no timer, no promise), so the trial finishes in the same tick.
  const answer = (request: AdapterRequest): AdapterResponse | Promise<AdapterResponse> => {
    const profile = profileAt(request.seq);
    const ms = profile.latency(request.rng);
    if (ms <= 0) return respond(options, profile, request, drawer);
    return sleep(ms, request.signal).then(() => respond(options, profile, request, drawer));
  };
  return { kind: 'mock', answer, call: async (request) => answer(request) };
}

function respond(options: MockOptions, profile: Profile, request: AdapterRequest, drawer: VocabularyDrawer | null): AdapterResponse {
  const { rng, task } = request;
  if (profile.failureRate > 0 && rng.next() < profile.failureRate) {
    throw new AdapterError('server', 'mock: simulated failure (503)', { retryable: true, status: 503 });
  }
  if (drawer) {
    const batch = typeof task.input['batch'] === 'number' ? task.input['batch'] : 10;
    const output = drawer.draw(batch, rng).join('\n');
    const tokens = options.tokens ?? { input: Math.ceil(request.prompt.length / 4), output: Math.ceil(output.length / 4) };
    return profile.cost === undefined ? { output, tokens } : { output, tokens, cost: profile.cost };
  }
  const correct = rng.next() < profile.accuracy;
  const output = options.reply ?? (correct ? answerText(task.expected, task) : wrongAnswer(task, options.distractors, rng));
  const tokens = options.tokens ?? { input: Math.ceil(request.prompt.length / 4), output: Math.ceil(output.length / 4) };
  return profile.cost === undefined ? { output, tokens } : { output, tokens, cost: profile.cost };
}

type ScheduleEntry = NonNullable<MockOptions['schedule']>[number];

/**
 * The profile in force for a trial: entries apply in the order written, each once its trial number
 * (the trial's seq) or its time since the adapter was created is reached. Without a schedule every
 * call gets the same profile object.
 */
function scheduleOf(base: Profile, schedule: readonly ScheduleEntry[], now: () => number): (seq: number | undefined) => Profile {
  if (schedule.length === 0) return () => base;
  const startedAt = now();
  const samplers = schedule.map((e) => (e.latencyMs === undefined ? undefined : latencySampler(e.latencyMs)));
  return (seq) => {
    const elapsed = now() - startedAt;
    let profile = base;
    schedule.forEach((e, i) => {
      const reached = e.trial !== undefined ? seq !== undefined && seq >= e.trial : elapsed >= (e.time ?? Infinity);
      if (!reached) return;
      profile = {
        accuracy: e.accuracy ?? profile.accuracy,
        failureRate: e.failureRate ?? profile.failureRate,
        latency: samplers[i] ?? profile.latency,
        cost: e.cost ?? profile.cost,
      };
    });
    return profile;
  };
}

function latencySampler(spec: z.output<typeof latencySchema>): (rng: Random) => number {
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
