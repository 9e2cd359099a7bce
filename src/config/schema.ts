import * as z from 'zod';
import { parseDuration } from './duration.js';

// Every schema of this program parses a config once (this file, the gateway's, policies' and scorers'
// options), so zod's compiled fast path, generated with `new Function` for each object schema on its
// first parse, costs more than it saves: 10-15 ms of a run's start. Global in zod; set wherever a
// config is read, as this module is.
z.config({ jitless: true });

/**
 * Most trials one run holds (a grid's variants x tasks x repeats, an adaptive budget): its plan is a
 * bitmap and every trial a row; far beyond any real experiment, far below what would exhaust memory.
 */
export const MAX_TRIALS = 100_000_000;

/**
 * Longest time a timer can wait: Node's setTimeout overflows past 2^31-1 ms (24.8 days) and then
 * fires after 1 ms, so a longer timeout would make every attempt time out at once.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Longest run-time budget: a year, as a sanity bound on an active-time sum. */
const MAX_BUDGET_TIME_MS = 365 * 24 * 3_600_000;

/** A duration no longer than `maxMs`, parsed into milliseconds. */
function duration(maxMs: number, limit: string) {
  return z
    .union([z.string(), z.number()])
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (ms === null) {
        ctx.addIssue({ code: 'custom', message: `expected a duration such as "30s", "5m" or a number of seconds, got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      if (ms > maxMs) {
        ctx.addIssue({ code: 'custom', message: `expected at most ${limit}, got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      return ms;
    })
    .describe(`A duration: "500ms", "30s", "5m", "1h", or a number of seconds; at most ${limit}.`);
}

/** `"30s"`, `"5m"`, or a number of seconds, at most 24 days (what a timer can wait); parsed into milliseconds. */
export const durationSchema = duration(24 * 24 * 3_600_000, '24 days ("24d")');

export const costSchema = z
  .union([
    z.number().nonnegative().describe('Dollars per call.'),
    z.strictObject({
      input: z.number().nonnegative().describe('Dollars per million input tokens.'),
      output: z.number().nonnegative().describe('Dollars per million output tokens.'),
      perCall: z.number().nonnegative().optional().describe('Fixed dollars added per call.'),
    }),
  ])
  .describe('Price of a call: dollars per call, or per-million-token prices.');

/** Fields every variant has, whatever its adapter. */
export const variantCommonShape = {
  id: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:+-]*$/, 'expected an id of letters, digits and . _ : + -')
    .describe('Unique name of the variant (a bandit arm).'),
  description: z.string().optional(),
  prompt: z.string().optional().describe('Prompt template with {{var}} from task input; overrides the shared prompt.'),
  system: z.string().optional().describe('System prompt template.'),
  cost: costSchema.optional(),
  timeout: durationSchema.optional().describe('Per-attempt timeout; overrides the experiment timeout.'),
  retries: z.number().int().min(0).max(20).optional().describe('Retries after the first attempt on retryable failures.'),
  maxConcurrency: z.number().int().positive().max(10_000).optional().describe('Trials of this variant in flight at once (at most 10,000).'),
  rateLimit: z
    .number()
    .min(0.001)
    .max(1_000_000_000)
    .optional()
    .describe('Requests per minute for this variant (0.001 to 1e9; a wait between requests must fit a timer).'),
};

export const budgetSchema = z
  .strictObject({
    trials: z.number().int().positive().max(MAX_TRIALS).optional().describe('Stop scheduling after this many trials (at most 100,000,000).'),
    cost: z.number().positive().optional().describe('Stop scheduling once this many dollars are spent.'),
    time: duration(MAX_BUDGET_TIME_MS, 'a year ("365d")').optional().describe('Stop scheduling after this much running time.'),
  })
  .describe('Limits that stop a run early; what is in flight finishes.');

export const taskSourceSchema = z.union([
  z.string().describe('Path to a .jsonl, .csv, .json or .yaml file of tasks, relative to the experiment file.'),
  z.array(z.record(z.string(), z.unknown())).describe('Inline tasks: {id?, input?, expected?, metadata?} or flat fields.'),
  z.strictObject({
    file: z.string(),
    limit: z.number().int().positive().max(MAX_TRIALS).optional().describe('Use only the first N tasks.'),
  }),
]);

export const modeSchema = z
  .enum(['grid', 'adaptive', 'continuous'])
  .describe(
    "How trials are scheduled: 'grid' runs every variant on every task `repeats` times; 'adaptive' lets a policy spend a budget; " +
      "'continuous' keeps routing work by a policy until stopped or until a budget is spent.",
  );

const utilitySchema = z.strictObject({
  weight: z.number().nonnegative().describe('Weight of this term in the reward.'),
  per: z.number().positive().describe('The amount (dollars, or ms) at which this term reaches its full penalty.'),
});

export const objectiveSchema = z
  .strictObject({
    score: z.number().nonnegative().default(1).describe('Weight of the score (1 for success when there are no scorers).'),
    cost: utilitySchema.optional().describe('Cheapness term: 1 - min(1, cost/per).'),
    latency: utilitySchema.optional().describe('Speed term: 1 - min(1, latencyMs/per).'),
    error: z.number().min(0).max(1).default(0).describe('Reward of a trial that errored (or timed out).'),
  })
  .describe('How a trial becomes the reward in [0,1] a policy maximises: a weighted average of score, cheapness and speed.');

export const stopSchema = z
  .strictObject({
    confidence: z.number().gt(0.5).lt(1).describe('Stop once the best variant is identified with this confidence (e.g. 0.95).'),
    minTrials: z.number().int().nonnegative().max(MAX_TRIALS).default(5).describe('Trials per variant before the stopping rule is consulted.'),
  })
  .describe('Stopping rule of an adaptive run (besides the budget).');

/**
 * The experiment file, before adapter- and scorer-specific checks (those are done per entry by their
 * registries so an unknown name can list the known ones).
 */
export const experimentShape = {
  $schema: z.string().optional(),
  name: z.string().min(1).optional().describe('Name of the experiment; defaults to the file name.'),
  description: z.string().optional(),
  mode: modeSchema.default('grid'),
  seed: z.number().int().min(0).max(2 ** 32 - 1).optional().describe('Seed for every random choice; random when absent (and recorded).'),
  repeats: z.number().int().positive().max(1_000_000).default(1).describe('Trials per (variant, task) in grid mode (at most 1,000,000; the grid at most 100,000,000 trials).'),
  concurrency: z.number().int().positive().max(10_000).default(8).describe('Trials in flight at once, across variants.'),
  timeout: durationSchema.prefault('60s').describe('Per-attempt timeout.'),
  retries: z.number().int().min(0).max(20).default(2).describe('Retries after the first attempt (default 2: three attempts).'),
  prompt: z.string().optional().describe('Shared prompt template with {{var}} from task input.'),
  system: z.string().optional().describe('Shared system prompt template.'),
  variants: z.union([z.string(), z.array(z.union([z.string(), z.record(z.string(), z.unknown())]))]).describe(
    'Inline variants (each { id, adapter, ... } or a shorthand string: openai:MODEL, anthropic:MODEL, module:FILE, mock, mock:ACCURACY), or a folder whose files each export defineVariant({...}).',
  ),
  tasks: taskSourceSchema.optional().describe('The tasks (required, except in topic mode, whose requests are built per trial).'),
  topic: z.record(z.string(), z.unknown()).optional().describe(
    'Topic mode (mode: continuous): { name: "Paris attractions", batch: 10, contextTokens: 8000, exclusionShare: 0.25, output: output, reward: per-call | per-dollar, near: true, semantic: { embeddings: { baseURL, model, apiKey: "${OPENAI_API_KEY}", threshold: 0.9 } } }.',
  ),
  scorers: z.array(z.union([z.string(), z.record(z.string(), z.unknown())])).optional().describe(
    'Scorers combined by weight into one score in [0,1]. Default: equals, when tasks have expected answers.',
  ),
  threshold: z.number().min(0).max(1).default(0.5).describe('A trial passes when its score is at least this.'),
  budget: budgetSchema.optional(),
  policy: z.record(z.string(), z.unknown()).optional().describe(
    "Adaptive mode's policy: { name: thompson | top-two | ucb1 | kl-ucb | epsilon-greedy | uniform | weighted | gaussian-thompson, ...options }. Default: top-two with a stop confidence, else thompson.",
  ),
  objective: objectiveSchema.optional(),
  stop: stopSchema.optional(),
  cache: z.boolean().optional().describe(
    'Reuse answers from the response cache (.metaorch/cache.db) for the same variant configuration, rendered prompt and repeat: for development loops. Off unless asked; `metaorch run --cache` / `--no-cache` decide for one run.',
  ),
  snapshotEvery: z.number().int().positive().max(MAX_TRIALS).default(100).describe("Record the policy's state every N finished trials (adaptive, continuous)."),
  executor: z
    .union([z.string(), z.record(z.string(), z.unknown())])
    .optional()
    .describe(
      "Where trials run: 'inline' (default), { type: pool, workers: 4 } (child processes on this machine), or { type: bullmq, redis: ${REDIS_URL}, queue: NAME } (metaorch worker processes on any machine).",
    ),
  controller: z.record(z.string(), z.unknown()).optional().describe(
    'The meta-controller (adaptive and continuous modes): watches metric windows, reweights, quarantines, validates and rolls back, escalates. `{}` for the defaults; off when absent.',
  ),
};

export const experimentHeadSchema = z.strictObject(experimentShape);
export type ExperimentHead = z.output<typeof experimentHeadSchema>;
export type Budget = z.output<typeof budgetSchema>;
export type Cost = z.output<typeof costSchema>;
export type Objective = z.output<typeof objectiveSchema>;
export type StopRule = z.output<typeof stopSchema>;
