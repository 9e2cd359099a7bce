import * as z from 'zod';
import { adaptive } from './adaptive.js';
import { createArmStats } from './arm-stats.js';
import { PolicyConfigError, parseOptions } from './errors.js';
import type { ChooseInput, PolicyFactory, UpdateInfo } from './types.js';

/**
 * Seed 003's routing strategies as policies (pure, like every policy): `roundrobin`, `priority`
 * (failover down a fixed order) and `backoff` (exponential backoff of failing arms). A call fails
 * when it errored (`success: false`) or its reward is at most `failBelow`.
 */

const failBelow = z.number().min(0).max(1).default(0).describe('A reward at most this counts as a failed call (default 0: nothing new, or an error).');

export const roundRobinOptions = z.strictObject({});

/**
 * Every eligible arm in turn: the next choice goes to the arm with the fewest calls (finished and in
 * flight), the lowest index first. No learning, no randomness.
 *
 * @example
 * const rr = roundRobin()({ armCount: 3 }); // 0, 1, 2, 0, 1, 2, ...
 */
export function roundRobin(options: Record<string, unknown> = {}): PolicyFactory {
  parseOptions('roundrobin', roundRobinOptions, options);
  return ({ armCount }) => {
    const stats = createArmStats(armCount);
    return adaptive({ name: 'roundrobin', bounded: false, stats, pick: (input) => leastLoaded(input, stats.pulls, () => true), learn: (arm, r) => stats.add(arm, r) }, {}, armCount);
  };
}

export const priorityOptions = z.strictObject({
  order: z.array(z.number().int().nonnegative()).optional().describe('Arms (variant positions, from 0) in priority order; default: the variants in file order.'),
  maxFailures: z.number().int().positive().default(3).describe('Consecutive failed calls after which an arm is passed over for the next one.'),
  retryAfter: z.number().int().positive().default(20).describe('Calls (of any arm) after which a passed-over arm is tried again.'),
  failBelow,
});

/**
 * Failover: every call goes to the first arm in `order` that is healthy. An arm with `maxFailures`
 * consecutive failed calls is passed over for `retryAfter` calls, then tried again.
 *
 * @example
 * const p = priority({ order: [2, 0, 1] })({ armCount: 3 });
 */
export function priority(options: Record<string, unknown> = {}): PolicyFactory {
  const opts = parseOptions('priority', priorityOptions, options);
  return ({ armCount }) => {
    const order = opts.order ?? Array.from({ length: armCount }, (_, i) => i);
    const bad = order.find((a) => a >= armCount);
    if (bad !== undefined) throw new PolicyConfigError('priority', [{ path: 'order', message: `arm ${bad} is not in 0..${armCount - 1}` }]);
    const rest = Array.from({ length: armCount }, (_, i) => i).filter((a) => !order.includes(a));
    const ranked = [...order, ...rest];
    const health = failureTracker(armCount, opts.failBelow);
    const stats = createArmStats(armCount);
    return adaptive(
      {
        name: 'priority', bounded: false, stats,
        pick({ eligible }) {
          const allowed = new Set(eligible);
          const healthy = ranked.find((a) => allowed.has(a) && (health.streak[a]! < opts.maxFailures || health.clock - health.since[a]! >= opts.retryAfter));
          return healthy ?? ranked.find((a) => allowed.has(a))!;
        },
        learn(arm, reward, info) {
          stats.add(arm, reward);
          health.record(arm, reward, info);
        },
      },
      {},
      armCount,
    );
  };
}

export const backoffOptions = z.strictObject({
  base: z.number().int().positive().default(2).describe('After n consecutive failures an arm rests base^(n-1) calls (of any arm).'),
  maxRest: z.number().int().positive().default(64).describe('The longest rest, in calls.'),
  failBelow,
});

/**
 * Round robin over the arms that are not resting: an arm whose last n calls failed rests
 * min(maxRest, base^(n-1)) calls, counted in calls finished by any arm; a success ends its rest. When
 * every eligible arm rests, the one whose rest ends first is chosen.
 *
 * @example
 * const b = backoff({ base: 2, maxRest: 32 })({ armCount: 4 });
 */
export function backoff(options: Record<string, unknown> = {}): PolicyFactory {
  const opts = parseOptions('backoff', backoffOptions, options);
  return ({ armCount }) => {
    const health = failureTracker(armCount, opts.failBelow);
    const stats = createArmStats(armCount);
    const restEnds = (arm: number) => {
      const n = health.streak[arm]!;
      return n === 0 ? 0 : health.since[arm]! + Math.min(opts.maxRest, opts.base ** (n - 1));
    };
    return adaptive(
      {
        name: 'backoff', bounded: false, stats,
        pick(input) {
          const awake = input.eligible.filter((a) => restEnds(a) <= health.clock);
          if (awake.length > 0) return leastLoaded({ ...input, eligible: awake }, stats.pulls, () => true);
          return input.eligible.reduce((best, a) => (restEnds(a) < restEnds(best) ? a : best));
        },
        learn(arm, reward, info) {
          stats.add(arm, reward);
          health.record(arm, reward, info);
        },
      },
      {},
      armCount,
    );
  };
}

/** Consecutive failures per arm, and when (in calls finished) the last one happened. */
function failureTracker(armCount: number, threshold: number) {
  const streak = new Float64Array(armCount);
  const since = new Float64Array(armCount);
  const tracker = {
    streak,
    since,
    clock: 0,
    record(arm: number, reward: number, info: UpdateInfo | undefined) {
      tracker.clock++;
      if (info?.success === false || reward <= threshold) {
        streak[arm]! += 1;
        since[arm] = tracker.clock;
      } else streak[arm] = 0;
    },
  };
  return tracker;
}

/** The eligible arm with the fewest calls (finished + in flight), lowest index on ties. */
function leastLoaded({ eligible, pending }: ChooseInput, pulls: Float64Array, ok: (arm: number) => boolean): number {
  let best = -1;
  let lowest = Infinity;
  for (const arm of eligible) {
    if (!ok(arm)) continue;
    const load = pulls[arm]! + (pending[arm] ?? 0);
    if (load < lowest) {
      lowest = load;
      best = arm;
    }
  }
  return best >= 0 ? best : eligible[0]!;
}
