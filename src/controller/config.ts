import * as z from 'zod';
import { durationSchema } from '../config/schema.js';
import { fieldsAt } from '../config/schema-keys.js';
import { describeIssues, describeValue } from '../model/issue-text.js';
import { didYouMean } from '../model/suggest.js';

/** What a detector may do when it fires. `none` watches and records nothing but metrics. */
export const ACTION_NAMES = ['reweight', 'quarantine', 'escalate', 'pause', 'none'] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

/** Every detector, in the order they are documented. */
export const DETECTOR_NAMES = ['failure', 'score', 'latency', 'cost', 'rework', 'thrashing', 'starvation', 'noProgress'] as const;
export type DetectorName = (typeof DETECTOR_NAMES)[number];

const action = (fallback: ActionName, allowed: readonly ActionName[] = ACTION_NAMES) =>
  z
    .string()
    .default(fallback)
    .refine((a) => (allowed as readonly string[]).includes(a), {
      error: (issue) => `unknown action ${describeValue(issue.input)}${typeof issue.input === 'string' ? didYouMean(issue.input, allowed) : ''} (known actions here: ${allowed.join(', ')})`,
    })
    .transform((a) => a as ActionName)
    .describe(`What to do when it fires: ${allowed.join(' | ')} (default ${fallback}).`);

const share = (what: string) => z.number().min(0).max(1).describe(what);
const positiveInt = (what: string) => z.number().int().positive().describe(what);

/** A detector is an object of its settings, `true` for the defaults, or `false` to turn it off. */
function detector<S extends z.ZodRawShape>(shape: S, describe: string) {
  const object = z.strictObject(shape);
  return z
    .union([z.boolean(), object])
    .default(true)
    // The object branch is already parsed (defaults filled, durations in ms); `true` means all defaults.
    .transform((v) => (v === false ? null : v === true ? object.parse({}) : v))
    .describe(`${describe} \`false\` turns it off.`);
}

const detectorsSchema = z
  .strictObject({
    failure: detector(
      {
        action: action('reweight'),
        quarantineAbove: share('Trip the circuit breaker instead when the failure rate since the change is estimated above this (default 0.3).').default(0.3),
      },
      'Failure spike: the share of trials that error rises above the variant\'s own recent baseline.',
    ),
    score: detector({ action: action('reweight') }, 'Score drop: the mean score of trials that did not error falls below the baseline.'),
    latency: detector(
      {
        action: action('escalate'),
        tolerance: z.number().min(0).max(10).default(0.1).describe('Latencies above baseline p50/p95 x (1 + tolerance) count as exceedances (default 0.1).'),
        minMs: z.number().min(0).default(50).describe('... and at least this many ms above them, so event-loop and GC pauses on fast trials are not a regression (default 50).'),
      },
      "Latency regression: more trials than the baseline rate exceed its p50 or p95. Escalates by default: reweighting a slower variant pays only when the objective counts latency.",
    ),
    cost: detector(
      {
        action: action('escalate'),
        tolerance: z.number().min(0).max(10).default(0.1).describe('Costs above baseline p50/p95 x (1 + tolerance) count as exceedances (default 0.1).'),
      },
      'Cost anomaly: more trials than the baseline rate cost above its p50 or p95.',
    ),
    rework: detector({ action: action('reweight') }, 'Excessive rework: the retry rate rises far above the baseline.'),
    thrashing: detector(
      {
        action: action('escalate', ['escalate', 'pause', 'none']),
        reversals: positiveInt("Reversals of direction among a variant's last 10 reweights that count as thrashing (default 2).").default(2),
        flaps: positiveInt('Quarantines of one variant (between periodic resets) that count as thrashing (default 3).').default(3),
        allocation: z
          .union([
            z.literal(false),
            z.strictObject({
              window: positiveInt('Trials per allocation sample (default 500).').default(500),
              band: share('A move of the share smaller than this is noise, not a reversal (default 0.15).').default(0.15),
              reversals: positiveInt('Reversals within 8 samples that count as thrashing (default 4).').default(4),
            }),
          ])
          .default(false)
          .describe(
            "Also watch the realised allocation's reversals (off by default: a discounted policy legitimately swings between close variants, which would be a false alarm).",
          ),
      },
      "Thrashing: the controller's own reweights reverse direction again and again, a variant flaps in and out of quarantine, or (opt-in) the allocation swings back and forth.",
    ),
    starvation: detector(
      {
        action: action('reweight', ['reweight', 'escalate', 'none']),
        minShare: share("The share of trials each active variant should get at least (default: the policy's minShare; without one the detector is idle).").optional(),
        window: positiveInt('Trials over which the share is measured (default 1000).').default(1000),
        patience: positiveInt('Consecutive ticks below the minimum share before acting (default 10).').default(10),
      },
      'Starvation: an active variant gets less than its minimum share for too long.',
    ),
    noProgress: detector(
      {
        action: action('escalate', ['escalate', 'pause', 'none']),
        window: durationSchema.prefault('60s').describe('Trials in flight but none finished for this long is a stall (default 60s).'),
      },
      'No progress (deadlock): trials are in flight but none finishes within the window.',
    ),
  })
  .prefault({})
  .describe(`The detectors: ${DETECTOR_NAMES.join(', ')}.`);

/**
 * Where escalations go, shared by the controller (`controller.escalate`) and workflows (front matter
 * `escalate:`): a webhook POSTed as JSON with retries, and/or an argv given the payload on stdin.
 */
export const escalationTargetShape = {
  webhook: z.string().url().optional().describe('POST each escalation here as JSON.'),
  headers: z.record(z.string(), z.string()).optional().describe('Extra request headers (values may be ${ENV} references).'),
  command: z.array(z.string()).min(1).optional().describe('Run this argv for each escalation, with the JSON payload on stdin (never through a shell).'),
  retries: z.number().int().min(0).max(10).default(3).describe('Retries of a failed webhook, with exponential back-off (default 3).'),
  timeout: durationSchema.prefault('10s').describe('Per attempt (default 10s).'),
};

/**
 * The `controller:` section of an experiment. Every knob has a default, so `controller: {}` works.
 * Counts are in trials (of the run unless said otherwise), which keeps decisions reproducible at any
 * speed, in simulation and on resume.
 *
 * @example
 * controllerSchema.parse({ detectors: { cost: false }, reweight: { maxStep: 0.05 } });
 */
export const controllerSchema = z
  .strictObject({
    tick: positiveInt('Decide every this many finished trials (default 20).').default(20),
    falseAlarm: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.01)
      .describe('Probability that a stationary run of `horizon` trials leads to any action; sets the detection thresholds (default 0.01).'),
    horizon: positiveInt('Run length, in trials, that `falseAlarm` is calibrated for (default 100000).').default(100_000),
    warmup: positiveInt("Trials of a variant that form its baseline before its detectors arm (default 200).").default(200),
    halfLife: positiveInt("The baseline forgets with this half-life, in trials of the variant (default 2000).").default(2000),
    detectors: detectorsSchema,
    reweight: z
      .strictObject({
        maxStep: z.number().gt(0).max(1).default(0.1).describe('Largest change of a weight or minimum share in one tick (default 0.1).'),
        factor: z.number().gt(0).lt(1).default(0.5).describe('Each reweight multiplies the weight by this (default 0.5).'),
        minWeight: z.number().gt(0).max(1).default(0.1).describe('A reweight never takes a weight below this (quarantine does) (default 0.1).'),
        cooldown: positiveInt('Ticks between two reweights of one variant (default 5).').default(5),
      })
      .prefault({})
      .describe('Reweighting: bounded, dampened changes of how much work a variant gets.'),
    quarantine: z
      .strictObject({
        maxShare: share('Largest share of the variants quarantined at once; never all of them (default 0.5).').default(0.5),
        backoff: positiveInt('Trials of the run before a quarantined variant is probed (default 500).').default(500),
        maxBackoff: positiveInt('The back-off doubles after unhealthy probes, up to this (default 8000).').default(8000),
        probes: positiveInt('Probe trials that decide between restore and another back-off (default 20).').default(20),
        probeShare: z.number().gt(0).max(0.5).default(0.05).describe('Share of trials sent to a variant being probed (default 0.05).'),
      })
      .prefault({})
      .describe('The circuit breaker: out of rotation, half-open probes after a back-off, restore when healthy.'),
    validation: z
      .union([
        z.literal(false),
        z.strictObject({
          controlShare: z.number().gt(0).max(0.2).default(0.1).describe('Share of trials kept at the previous allocation as the control of each change (default 0.1).'),
          alpha: z.number().gt(0).lt(1).default(0.05).describe('Error probability of the anytime-valid test of each change (default 0.05).'),
          horizon: positiveInt('Trials of the run after which a change with no verdict is judged neutral (default 2000).').default(2000),
        }),
      ])
      .prefault({})
      .describe('Validation of every reweight and restore against a control share; harmful changes are rolled back. `false` turns it off.'),
    reset: z
      .strictObject({
        every: z.number().int().min(0).default(20_000).describe('Return to the baseline configuration every this many trials; 0 never (default 20000).'),
      })
      .prefault({})
      .describe('A periodic reset to the baseline configuration, against configuration drift.'),
    escalate: z
      .strictObject({
        ...escalationTargetShape,
        on: z
          .array(z.enum(['quarantine', 'restore', 'rollback', 'pause', 'reweight', 'reset']))
          .default(['quarantine', 'rollback', 'pause'])
          .describe('Decision kinds that are escalated too, besides detectors whose action is escalate (default quarantine, rollback, pause).'),
      })
      .prefault({})
      .describe('Where escalations go; a failed webhook is retried, then logged as a failed escalation; it never stops the run.'),
  })
  .describe('The meta-controller: watch metric windows, act with dampening, validate every change, roll back, escalate.');

/** The controller's settings with every default filled in. */
export type ControllerConfig = z.output<typeof controllerSchema>;
export type DetectorsConfig = ControllerConfig['detectors'];

/**
 * The settings for `controller: {}`.
 *
 * @example
 * const config = defaultControllerConfig();
 * config.reweight.maxStep; // 0.1
 */
export function defaultControllerConfig(): ControllerConfig {
  return controllerSchema.parse({});
}

/** One problem in a `controller:` section: the path inside it and what was expected. */
export interface ControllerIssue {
  path: (string | number)[];
  message: string;
  /** The problem is the field's name (an unknown field), not its value. */
  atKey?: boolean;
}

/**
 * Validates a `controller:` section. Unknown detector names list the known ones; every other problem
 * names its path (a share above 1, a negative window...).
 *
 * @example
 * parseControllerConfig({ detectors: { failur: {} } }).issues;
 * // [{ path: ['detectors'], message: "unknown detector 'failur'; known detectors: failure, score, ..." }]
 */
export function parseControllerConfig(raw: unknown): { config?: ControllerConfig; issues: ControllerIssue[] } {
  const result = controllerSchema.safeParse(raw ?? {}, { reportInput: true });
  if (result.success) return { config: result.data, issues: [] };
  // Plain words (no validator text) with the closest known field; an unknown detector lists them all.
  const issues = describeIssues(result.error.issues, { knownKeys: (path) => fieldsAt(controllerSchema, path) });
  return {
    issues: issues.map((p): ControllerIssue => {
      const key = p.path[p.path.length - 1];
      if (p.atKey && p.path.length === 2 && p.path[0] === 'detectors' && typeof key === 'string') {
        return { path: ['detectors'], message: `unknown detector '${key}'${didYouMean(key, DETECTOR_NAMES)} (known detectors: ${DETECTOR_NAMES.join(', ')})` };
      }
      return p.atKey ? { path: p.path, message: p.message, atKey: true } : { path: p.path, message: p.message };
    }),
  };
}
