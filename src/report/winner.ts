/**
 * One answer to "is the winner known?", with one rule for choosing how to decide it, used by `run`'s
 * last line, the report (summary.md, summary.json), `metaorch runs` and the dashboard alike:
 *
 * - an adaptive run whose stopping rule fired: known, by that rule (a sequential test, valid at any
 *   look, at the experiment's stop confidence);
 * - otherwise, when the allocation was adaptive or the run was watched (it is still running, or it
 *   stopped before its plan: interrupted, killed, a budget), the anytime-valid check: the 95% betting
 *   confidence sequence of best minus runner-up mean score must exclude 0;
 * - a grid that ran its full plan, read once at the end: the fixed-sample check, Welch's 95% t
 *   interval of best minus runner-up mean score must exclude 0.
 *
 * Pure: the caller gives the statistics it already has (the report from trials, the dashboard from
 * its sums).
 */
import { tQuantile } from '../stats/index.js';
import type { LeaderCheck } from './leader.js';

export type WinnerCriterion = 'stopping-rule' | 'anytime-valid' | 'fixed-sample' | 'single';

/** The answer, as data and as the one sentence every face prints. */
export interface WinnerVerdict {
  /** The leader (the best variant by mean score); null when no trial was scored. */
  id: string | null;
  runnerUp: string | null;
  known: boolean;
  criterion: WinnerCriterion | null;
  /** Why this criterion: 'adaptive allocation', 'a grid that ran its full plan', ... */
  why: string;
  /** Best minus runner-up mean score, and the 95% interval the criterion used (null for the stopping rule). */
  difference: number | null;
  interval: [number, number] | null;
  /** e.g. "winner: careful, known at 95% (fixed-sample check: a grid that ran its full plan)". */
  text: string;
}

/** Sums of one variant's scores. */
export interface ScoreSums {
  n: number;
  s: number;
  s2: number;
}

export interface WinnerInput {
  mode: string;
  /** The status as shown: running, completed, failed, interrupted, killed. */
  status: string;
  stopReason: string | null;
  bestId: string | null;
  runnerUp: string | null;
  /** The anytime-valid check (null when it could not be computed). */
  leader: LeaderCheck | null;
  /** Score sums of the best variant and the runner-up, for the fixed-sample check. */
  bestSums: ScoreSums | null;
  runnerUpSums: ScoreSums | null;
  /** The stopping rule's confidence (adaptive runs with `stop`). */
  stopConfidence?: number;
  /** The anytime-valid check was not computed because the run is too large to recompute live. */
  leaderSkipped?: boolean;
}

/**
 * Decides whether the winner is known, and says it.
 *
 * @example
 * winnerVerdict({ mode: 'grid', status: 'completed', stopReason: 'done', bestId: 'a', runnerUp: 'b', leader, bestSums, runnerUpSums }).text;
 * // 'winner: a, known at 95% (fixed-sample check: a grid that ran its full plan)'
 */
export function winnerVerdict(input: WinnerInput): WinnerVerdict {
  const { bestId, runnerUp } = input;
  const base = { id: bestId, runnerUp, difference: null, interval: null };
  if (bestId === null) return { ...base, known: false, criterion: null, why: 'no trial was scored', text: 'no winner: no trial was scored' };
  if (runnerUp === null) {
    return { ...base, known: true, criterion: 'single', why: 'the only variant with scored trials', text: `winner: ${bestId} (the only variant with scored trials)` };
  }
  const adaptive = input.mode !== 'grid';
  if (adaptive && input.stopReason === 'confident') {
    const level = pct(input.stopConfidence ?? 0.95);
    return {
      ...base, known: true, criterion: 'stopping-rule', why: 'the adaptive stopping rule fired',
      text: `winner: ${bestId}, known at ${level} (the adaptive stopping rule, a sequential test valid at any look)`,
    };
  }
  const watched = watchedWhy(input);
  if (adaptive || watched) {
    const why = adaptive ? (input.mode === 'continuous' ? 'adaptive allocation, continuous mode' : 'adaptive allocation') : (watched as string);
    const known = input.leader?.established === true;
    if (input.leaderSkipped) {
      return { ...base, known, criterion: 'anytime-valid', why, text: `leader: ${bestId}, not checked live (more than 200,000 scored trials: \`metaorch report\` checks it)` };
    }
    return {
      ...base, known, criterion: 'anytime-valid', why,
      difference: input.leader?.difference ?? null, interval: input.leader?.cs95 ?? null,
      text: `${known ? `winner: ${bestId}, known` : `leader: ${bestId}, not yet known`} at 95% (anytime-valid check: ${why})`,
    };
  }
  const fixed = input.bestSums && input.runnerUpSums ? welchInterval(input.bestSums, input.runnerUpSums) : null;
  const known = fixed !== null && fixed.interval[0] > 0;
  const why = 'a grid that ran its full plan';
  return {
    ...base, known, criterion: 'fixed-sample', why, difference: fixed?.difference ?? null, interval: fixed?.interval ?? null,
    text: `${known ? `winner: ${bestId}, known` : `leader: ${bestId}, not yet known`} at 95% (fixed-sample check: ${why})`,
  };
}

/** Why the run counts as watched (its stopping may have followed what someone saw), or null. */
function watchedWhy(input: WinnerInput): string | null {
  if (input.status === 'running') return 'the run is still running, watched live';
  if (input.status === 'killed') return 'the run was killed before its plan';
  if (input.status === 'interrupted') return 'the run was stopped before its plan';
  if (input.stopReason && input.stopReason.startsWith('budget')) return `a budget stopped the run before its plan (${input.stopReason})`;
  return null;
}

/**
 * Best minus runner-up mean score with Welch's 95% t interval, from sums; null with fewer than two
 * scores a side.
 *
 * @example
 * welchInterval({ n: 100, s: 75, s2: 75 }, { n: 100, s: 60, s2: 60 }); // { difference: 0.15, interval: [0.02, 0.28] }
 */
export function welchInterval(a: ScoreSums, b: ScoreSums): { difference: number; interval: [number, number] } | null {
  if (a.n < 2 || b.n < 2) return null;
  const ma = a.s / a.n;
  const mb = b.s / b.n;
  const va = Math.max(0, (a.s2 - a.s * ma) / (a.n - 1)) / a.n;
  const vb = Math.max(0, (b.s2 - b.s * mb) / (b.n - 1)) / b.n;
  const difference = ma - mb;
  const se = Math.sqrt(va + vb);
  if (se === 0) return { difference, interval: [difference, difference] };
  const df = (va + vb) ** 2 / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1));
  const half = tQuantile(0.975, df) * se;
  return Number.isFinite(half) ? { difference, interval: [difference - half, difference + half] } : null;
}

function pct(x: number): string {
  return `${+(x * 100).toFixed(1)}%`;
}
