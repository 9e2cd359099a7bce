/**
 * Seed 003's "optimization effectiveness": of the weight changes the policy made, the share that
 * raised the unique rate. A weight change is a `policy` snapshot whose choice probabilities moved
 * (total variation distance at least `minShift`) from the snapshot before it (the first from an even
 * split). It is judged by the unique rate (new items per request, all variants together) of the
 * `window` requests that finished before it against the `window` requests after it; a change with
 * fewer than `window` requests on either side is not judged (yet). Pure.
 *
 * Mind the drift: as a topic's vocabulary runs out, the unique rate falls whatever the weights do,
 * so a share well under one half is normal late in a run; compare runs, not the share with 0.5.
 */
import type { TopicCall, WeightSnapshot } from './calls.js';

/** One weight change and its verdict. */
export interface WeightChange {
  /** Requests finished when the change was made. */
  at: number;
  /** Total variation distance between the weights before and after (0..1). */
  shift: number;
  variants: string[];
  from: number[];
  to: number[];
  /** New items per request in the window before and after; null when not judged. */
  before: number | null;
  after: number | null;
  /** after > before; null when not judged. */
  raised: boolean | null;
}

/** The judgement of a run's weight changes. */
export interface Effectiveness {
  /** Every weight change (judged or not). */
  changes: WeightChange[];
  judged: number;
  raised: number;
  /** raised / judged; null when nothing was judged. */
  share: number | null;
  window: number;
  minShift: number;
}

export interface EffectivenessOptions {
  /** Requests on each side of a change, default 20. */
  window?: number;
  /** The least total variation distance that counts as a change, default 0.02. */
  minShift?: number;
}

/**
 * Judges every weight change of a run against the unique rate around it.
 *
 * @example
 * const calls = Array.from({ length: 40 }, (_, i) => ({ variant: 'a', ok: true, returned: 10, fresh: i < 20 ? 2 : 5, cost: null, latencyMs: 1, ts: i }));
 * weightEffectiveness(calls, [{ finished: 20, variants: ['a', 'b'], probabilities: [0.9, 0.1] }], { window: 20 });
 * // { judged: 1, raised: 1, share: 1, changes: [{ at: 20, shift: 0.4, before: 2, after: 5, raised: true, ... }], ... }
 */
export function weightEffectiveness(calls: readonly Pick<TopicCall, 'fresh'>[], snapshots: readonly WeightSnapshot[], options: EffectivenessOptions = {}): Effectiveness {
  const window = Math.max(1, Math.floor(options.window ?? 20));
  const minShift = options.minShift ?? 0.02;
  // prefix[i]: new items in the first i requests.
  const prefix = new Float64Array(calls.length + 1);
  calls.forEach((c, i) => (prefix[i + 1] = prefix[i]! + c.fresh));
  const rate = (from: number, to: number) => (prefix[to]! - prefix[from]!) / (to - from);
  const changes: WeightChange[] = [];
  let previous: number[] | null = null;
  let previousVariants: string[] | null = null;
  for (const s of [...snapshots].sort((a, b) => a.finished - b.finished)) {
    const from = previous && sameVariants(previousVariants!, s.variants) ? previous : s.probabilities.map(() => 1 / s.probabilities.length);
    const shift = totalVariation(from, s.probabilities);
    previous = s.probabilities;
    previousVariants = s.variants;
    if (shift < minShift) continue;
    const judgeable = s.finished >= window && s.finished + window <= calls.length;
    const before = judgeable ? rate(s.finished - window, s.finished) : null;
    const after = judgeable ? rate(s.finished, s.finished + window) : null;
    changes.push({ at: s.finished, shift, variants: s.variants, from, to: s.probabilities, before, after, raised: judgeable ? after! > before! : null });
  }
  const judged = changes.filter((c) => c.raised !== null).length;
  const raised = changes.filter((c) => c.raised === true).length;
  return { changes, judged, raised, share: judged > 0 ? raised / judged : null, window, minShift };
}

/**
 * Half the L1 distance between two probability vectors: the share of requests the change moves.
 *
 * @example
 * totalVariation([0.5, 0.5], [0.9, 0.1]); // 0.4
 */
export function totalVariation(a: readonly number[], b: readonly number[]): number {
  let d = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i++) d += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
  return d / 2;
}

function sameVariants(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
