/**
 * The schema of `gateway.yaml`: routes (each a continuous run: variants, a policy, an objective,
 * feedback, fallbacks, an optional judge and controller), gateway keys and the server's limits.
 * Every knob has its default and unit in its description, so editors show them.
 */
import * as z from 'zod';
import { durationSchema, objectiveSchema } from '../../config/schema.js';

/** The largest request body the gateway can be told to take: 1 GiB. */
export const MAX_BODY_LIMIT = 1024 ** 3;

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, k: 1024, mb: 1024 ** 2, m: 1024 ** 2, gb: 1024 ** 3, g: 1024 ** 3 };

/** `"10mb"`, `"512kb"` or a number of bytes. */
export const sizeSchema = z
  .union([z.string(), z.number()])
  .transform((v, ctx) => {
    const m = typeof v === 'number' ? [String(v), String(v), 'b'] : /^\s*(\d+(?:\.\d+)?)\s*([kmg]?b?|[kmg])\s*$/i.exec(v);
    const bytes = m ? Math.floor(Number(m[1]) * (SIZE_UNITS[(m[2] || 'b').toLowerCase()] ?? NaN)) : NaN;
    if (!(bytes >= 1) || bytes > MAX_BODY_LIMIT) {
      ctx.addIssue({ code: 'custom', message: `expected a size such as "10mb", "512kb" or a number of bytes, from 1 byte to 1gb; got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return bytes;
  })
  .describe('A size: "10mb", "512kb", or a number of bytes; at most 1gb.');

const name = (what: string) =>
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:+-]*$/, `expected a ${what} name of letters, digits and . _ : + -`);

export const keySchema = z.strictObject({
  name: name('key').describe('Names the key in logs, errors and the store (never the key itself).'),
  key: z.string().describe('The key clients send (`Authorization: Bearer KEY` or `x-api-key: KEY`): an ${ENV} reference, never the value itself.'),
  rateLimit: z.number().min(0.001).max(1_000_000_000).optional().describe('Requests per minute; more are answered 429 with Retry-After. Default: unlimited.'),
  burst: z.number().int().positive().max(1_000_000_000).optional().describe('Requests allowed at once after a quiet spell (default: 10 seconds of rateLimit, at least 1).'),
  budget: z
    .strictObject({
      cost: z.number().positive().describe('Dollars; once spent, requests are answered 429 (insufficient_quota) until the period ends.'),
      period: z.enum(['day', 'month', 'total']).default('total').describe('UTC day, UTC month, or in total (default).'),
    })
    .optional()
    .describe("The key's spending limit, counted from the recorded cost of its trials."),
  routes: z.array(z.string()).optional().describe('Routes this key may use (default: all).'),
});

export const feedbackSchema = z
  .strictObject({
    wait: durationSchema.prefault('5m').describe('How long a successful trial waits for feedback before its reward is decided without it (default 5m; 0: decided at once).'),
    missing: z
      .union([z.literal('skip'), z.number().min(0).max(1)])
      .default('skip')
      .describe("The score of a trial whose feedback never came: a number in [0, 1], or 'skip' (default): the policy does not learn from it."),
  })
  .describe('Delayed reward: feedback (POST /v1/feedback, or the judge) decides a trial\'s score.');

export const judgeSchema = z
  .strictObject({
    share: z.number().gt(0).max(1).default(0.05).describe('Share of successful requests the judge grades (default 0.05), chosen by a seeded hash of the trial.'),
    variant: z.record(z.string(), z.unknown()).describe('The grading variant, written like any variant.'),
    rubric: z.string().min(1).describe('What a good answer looks like.'),
    prompt: z.string().optional().describe('Custom grading prompt with {{rubric}}, {{input}}, {{expected}}, {{output}}.'),
  })
  .describe("Online evaluation: a judge grades a share of the traffic after the answer is sent; its score counts as the trial's feedback.");

export const routeShape = {
  name: name('route').describe('What clients send as `model`.'),
  description: z.string().optional(),
  aliases: z.array(z.string().min(1)).default([]).describe('Other model names that mean this route; `*` matches any characters (e.g. "claude-*" for Claude Code).'),
  default: z.boolean().optional().describe("The route `model: auto` means (default: the first route)."),
  variants: z.array(z.record(z.string(), z.unknown())).describe('The variants, written as in experiments (adapter and options). A request naming one (`ROUTE/VARIANT`, or its id) goes straight to it.'),
  policy: z.record(z.string(), z.unknown()).optional().describe('The policy: { name, ...options }. Default: { name: gaussian-thompson, discount: 0.999 }.'),
  objective: objectiveSchema.optional().describe("How a trial becomes the reward: the feedback score (1 for a success without scorers), cheapness, speed; default: the score alone."),
  feedback: feedbackSchema.prefault({}),
  fallbacks: z.number().int().min(0).max(20).default(2).describe('After a retryable upstream error, this many other variants are tried, next-best first (default 2).'),
  timeout: durationSchema.prefault('10m').describe('Per upstream try, until the whole answer is in (default 10m).'),
  storeContent: z.boolean().optional().describe("Store prompts and answers (secrets redacted) or only metadata: tokens, cost, latency, status. Default: the gateway's storeContent."),
  judge: judgeSchema.optional(),
  controller: z.record(z.string(), z.unknown()).optional().describe('The meta-controller watching this route live (circuit breaker, reweighting): `{}` for its defaults; off when absent.'),
  breaker: z
    .strictObject({
      failures: z.number().int().min(0).max(1_000_000).default(5).describe('Failed tries in a row that take a variant out of routing (default 5; 0: off).'),
      cooldown: durationSchema.prefault('30s').describe('How long it stays out before it is tried again (default 30s).'),
    })
    .prefault({})
    .describe("The route's circuit breaker: a variant failing again and again is taken out of routing for a while; fallbacks serve meanwhile."),
  snapshotEvery: z.number().int().positive().max(100_000_000).default(1000).describe("Record the policy's state every N learned rewards (default 1000)."),
};

export const gatewayShape = {
  $schema: z.string().optional(),
  seed: z.number().int().min(0).max(2 ** 32 - 1).optional().describe("Seed of every routing choice of a route's new run (random when absent; each run keeps its own)."),
  host: z.string().min(1).default('127.0.0.1').describe('Interface to bind (default 127.0.0.1: this machine only). --host overrides it.'),
  port: z.number().int().min(0).max(65535).default(4000).describe('Port (default 4000; 0: any free port). --port overrides it.'),
  maxBodySize: sizeSchema.prefault('10mb').describe('Largest request body accepted (default 10mb); larger ones are answered 413.'),
  storeContent: z.boolean().default(true).describe('Store prompts and answers (secrets redacted); false: metadata only (tokens, cost, latency, status). Routes may override it.'),
  keys: z.array(keySchema).optional().describe('Gateway keys; without any, every request is accepted (keep the default host then).'),
  routes: z.array(z.record(z.string(), z.unknown())).min(1).describe('The routes: what clients can ask for as `model`.'),
};

export const gatewayHeadSchema = z.strictObject(gatewayShape);
export const routeHeadSchema = z.strictObject(routeShape);
export type GatewayHead = z.output<typeof gatewayHeadSchema>;
export type RouteHead = z.output<typeof routeHeadSchema>;
export type KeyHead = z.output<typeof keySchema>;
