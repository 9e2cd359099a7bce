import { meanInterval, quantile, wilsonInterval } from '../stats/index.js';
import type { RunData } from '../store/records.js';
import { VariantAccumulator } from './accumulate.js';
import { estimatedRegret, probabilityOfBest } from './allocation.js';
import { summariseDecisions, type DecisionSummary } from './decisions.js';
import { leaderCheck, runnerUpOf, type LeaderCheck } from './leader.js';
import { ErrorTally, type TopError } from './top-errors.js';
import { winnerVerdict, type ScoreSums, type WinnerVerdict } from './winner.js';
import type { ShownStatus } from './words.js';

export const REPORT_SCHEMA_VERSION = 1;

export interface VariantReport {
  id: string;
  adapter: string;
  /** Finished trials (ok + errors). */
  trials: number;
  errors: number;
  errorRate: number;
  errorsByKind: Record<string, number>;
  /** Mean weighted score of trials that did not error; errored trials have no score. */
  meanScore: number | null;
  ci95: [number, number] | null;
  passRate: number | null;
  passRateCi95: [number, number] | null;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  /** Dollars of the trials whose cost is known; null when none is (a CLI that reports no usage). */
  costTotal: number | null;
  /** Mean over the trials whose cost is known. */
  costPerTrial: number | null;
  /** Tokens of the trials that reported them; null when none did. */
  tokensIn: number | null;
  tokensOut: number | null;
  /** Finished trials whose cost, or tokens, are unknown (not counted as 0). */
  costUnknown: number;
  tokensUnknown: number;
  meanAttempts: number | null;
  /** Trials answered from the response cache: no call, no cost, left out of the latency percentiles. */
  cached: number;
  /** This variant's share of the run's finished trials: the allocation a policy chose. */
  share: number;
  /** Mean of the objective's reward (what an adaptive policy maximised). */
  meanReward: number | null;
  /** Posterior probability that this variant has the highest mean reward (Beta, Monte Carlo); null without a scored trial. */
  probBest: number | null;
}

export interface RunReport {
  schemaVersion: number;
  run: {
    id: string;
    name: string;
    mode: string;
    /** As shown everywhere: a run marked running whose process is gone is `killed` (resumable). */
    status: string;
    stopReason: string | null;
    seed: number;
    planned: number | null;
    finished: number;
    errors: number;
    costTotal: number;
    /** Finished trials whose cost is unknown: costTotal is then a lower bound. */
    costUnknown: number;
    startedAt: string | null;
    finishedAt: string | null;
    activeMs: number;
    source: string;
  };
  variants: VariantReport[];
  best: { id: string; meanScore: number | null; reason: string } | null;
  /**
   * Anytime-valid check of the lead: best minus runner-up mean score with a 95% confidence sequence,
   * valid however often the run was looked at and under adaptive allocation (unlike the t intervals).
   */
  leader: LeaderCheck | null;
  /** Whether the winner is known, by the one rule every face uses (src/report/winner.ts). */
  winner: WinnerVerdict;
  /** The most frequent error messages (at most 5), with a hint where the cause is a known one. */
  topErrors: TopError[];
  /** Errors beyond those in `topErrors`. */
  otherErrors: number;
  /** Adaptive runs: the policy, and the reward lost against always choosing the final best variant. */
  allocation: { policy: string; regret: number; stoppedConfident: boolean } | null;
  /** The controller's decisions: how many of each kind, and what share of the validated ones helped, did nothing or did harm. */
  controller?: DecisionSummary | null;
  /** Which kind of interval each column shows, so nobody reads a fixed-n interval as anytime-valid. */
  intervals: { meanScore: string; passRate: string; leader: string };
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);
const pair = (low: number, high: number): [number, number] | null => (Number.isFinite(low) && Number.isFinite(high) ? [low, high] : null);

/** Scores live in [0, 1]: a t interval that reaches past either end is clipped to it. */
export function clampScoreInterval(ci: [number, number] | null): [number, number] | null {
  return ci ? [Math.max(0, ci[0]), Math.min(1, ci[1])] : null;
}

/**
 * One pass over a run's trials into per-variant statistics and the best variant.
 *
 * @example
 * const report = computeReport(storeRunData(store, runId));
 */
export function computeReport(data: RunData, options: { status?: ShownStatus } = {}): RunReport {
  const accs = new Map(data.experiment.variants.map((v) => [v.id, new VariantAccumulator()]));
  const errors = new ErrorTally();
  for (const trial of data.trials()) {
    let acc = accs.get(trial.variantId);
    if (!acc) accs.set(trial.variantId, (acc = new VariantAccumulator()));
    acc.add(trial);
    if (trial.status === 'error') errors.add(trial.variantId, trial.errorKind ?? 'unknown', trial.error ?? '');
  }
  const adapters = new Map(data.experiment.variants.map((v) => [v.id, v.adapter]));
  const total = [...accs.values()].reduce((n, a) => n + a.finished, 0);
  // P(best) only among variants with a scored trial: one never scored has nothing to be best with.
  const scoredAccs = [...accs.values()].filter((a) => a.scores.length > 0);
  const probs = scoredAccs.length ? probabilityOfBest(scoredAccs.map((a) => ({ trials: a.rewarded, rewardSum: a.rewardSum }))) : [];
  const probBest = new Map(scoredAccs.map((a, i) => [a, probs[i] ?? null]));
  const arms = [...accs.values()].map((a) => ({ trials: a.rewarded, rewardSum: a.rewardSum }));
  const variants = [...accs].map(([id, a]) => variantReport(id, adapters.get(id) ?? '?', a, total, probBest.get(a) ?? null));
  const { run } = data;
  const status = options.status ?? run.status;
  const best = pickBest(variants);
  const leader = leaderOf(best?.id ?? null, variants, accs);
  const runnerUp = runnerUpOf(best?.id ?? null, variants);
  const sums = (id: string | null | undefined): ScoreSums | null => {
    const v = id ? accs.get(id)?.scores.view() : undefined;
    if (!v) return null;
    let s = 0;
    let s2 = 0;
    for (const x of v) {
      s += x;
      s2 += x * x;
    }
    return { n: v.length, s, s2 };
  };
  const winner = winnerVerdict({
    mode: data.experiment.mode, status, stopReason: run.stopReason, bestId: best?.id ?? null, runnerUp, leader,
    bestSums: sums(best?.id), runnerUpSums: sums(runnerUp), ...(data.experiment.stop ? { stopConfidence: data.experiment.stop.confidence } : {}),
  });
  const allocation = data.experiment.mode !== 'grid'
    ? { policy: data.experiment.policy?.name ?? 'thompson', regret: estimatedRegret(arms), stoppedConfident: run.stopReason === 'confident' }
    : null;
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    run: {
      id: run.id, name: run.name, mode: run.mode, status, stopReason: run.stopReason, seed: run.seed,
      planned: run.planned, finished: sum(variants, (v) => v.trials), errors: sum(variants, (v) => v.errors),
      costTotal: sum(variants, (v) => v.costTotal ?? 0),
      costUnknown: sum(variants, (v) => v.costUnknown),
      startedAt: run.startedAt ? new Date(run.startedAt).toISOString() : null,
      finishedAt: run.finishedAt ? new Date(run.finishedAt).toISOString() : null,
      activeMs: run.activeMs, source: run.source,
    },
    variants,
    best,
    leader,
    winner,
    topErrors: errors.top(5),
    otherErrors: errors.others(5),
    allocation,
    controller: data.experiment.controller ? summariseDecisions(data.decisions?.() ?? []) : null,
    intervals: {
      meanScore: 'Student t interval, 95%, fixed sample size (not valid under repeated looks or adaptive allocation)',
      passRate: 'Wilson score interval, 95%',
      leader: 'betting confidence sequence, 95% (Waudby-Smith & Ramdas): valid at any look and under adaptive allocation',
    },
  };
}

function variantReport(id: string, adapter: string, a: VariantAccumulator, total: number, probBest: number | null): VariantReport {
  const mi = meanInterval(a.scores.view());
  const wi = wilsonInterval(a.passes, a.judged);
  const lat = a.latencies.sorted();
  return {
    id, adapter, trials: a.finished, errors: a.errors, errorRate: a.finished ? a.errors / a.finished : 0,
    errorsByKind: a.errorsByKind,
    meanScore: a.scores.length ? mi.mean : null,
    ci95: a.scores.length >= 2 ? clampScoreInterval(pair(mi.low, mi.high)) : null,
    passRate: a.judged ? wi.estimate : null,
    passRateCi95: a.judged ? pair(wi.low, wi.high) : null,
    latencyP50Ms: lat.length ? finite(quantile(lat, 0.5)) : null,
    latencyP95Ms: lat.length ? finite(quantile(lat, 0.95)) : null,
    ...knownCost(a.finished, a.costUnknown, a.cost),
    ...knownTokens(a.finished, a.tokensUnknown, a.tokensIn, a.tokensOut),
    meanAttempts: a.finished ? a.attempts / a.finished : null,
    cached: a.cached,
    share: total ? a.finished / total : 0,
    meanReward: a.rewarded ? a.rewardSum / a.rewarded : null,
    probBest,
  };
}

/** What choosing the best variant reads: the report's and the dashboard's variant rows both have it. */
export interface BestCandidate {
  id: string;
  meanScore: number | null;
  passRate: number | null;
  costPerTrial: number | null;
  ci95: [number, number] | null;
}

/**
 * Highest mean score; ties go to the higher pass rate, then the cheaper variant. Whether the lead is
 * established is `winnerVerdict`'s answer, the same everywhere.
 *
 * @example
 * pickBest(report.variants)?.id;
 */
export function pickBest(variants: readonly BestCandidate[]): RunReport['best'] {
  const scored = variants.filter((v) => v.meanScore !== null);
  if (scored.length === 0) return null;
  const best = [...scored].sort(
    (a, b) => (b.meanScore ?? 0) - (a.meanScore ?? 0) || (b.passRate ?? 0) - (a.passRate ?? 0) || (a.costPerTrial ?? 0) - (b.costPerTrial ?? 0),
  )[0];
  if (!best) return null;
  // Whether the lead is established is the winner check's to say (src/report/winner.ts), not this one's.
  const tied = scored.filter((v) => v !== best && v.meanScore === best.meanScore);
  const reason = tied.length ? `highest mean score, tied with ${tied.map((v) => v.id).join(', ')} (ties go to the higher pass rate, then the cheaper)` : 'highest mean score';
  return { id: best.id, meanScore: best.meanScore, reason };
}

/** The leader against the runner-up by mean score, with an anytime-valid confidence sequence. */
function leaderOf(bestId: string | null, variants: VariantReport[], accs: Map<string, VariantAccumulator>): RunReport['leader'] {
  const runnerUp = runnerUpOf(bestId, variants);
  const a = bestId ? accs.get(bestId)?.scores.view() : undefined;
  const b = runnerUp ? accs.get(runnerUp)?.scores.view() : undefined;
  return bestId && runnerUp && a && b ? leaderCheck(bestId, runnerUp, a, b) : null;
}

/**
 * Cost columns when some trials' cost is unknown: the total of the known ones (null when none is
 * known), the mean over the known ones, and how many are unknown. Shared with the dashboard.
 *
 * @example
 * knownCost(10, 4, 0.06); // { costTotal: 0.06, costPerTrial: 0.01, costUnknown: 4 }
 */
export function knownCost(finished: number, unknown: number, cost: number): Pick<VariantReport, 'costTotal' | 'costPerTrial' | 'costUnknown'> {
  const known = finished - unknown;
  return { costTotal: finished > 0 && known === 0 ? null : cost, costPerTrial: known > 0 ? cost / known : null, costUnknown: unknown };
}

/** Token columns when some trials' tokens are unknown, as `knownCost`. */
export function knownTokens(finished: number, unknown: number, input: number, output: number): Pick<VariantReport, 'tokensIn' | 'tokensOut' | 'tokensUnknown'> {
  const none = finished > 0 && unknown === finished;
  return { tokensIn: none ? null : input, tokensOut: none ? null : output, tokensUnknown: unknown };
}

function sum<T>(items: T[], f: (t: T) => number): number {
  return items.reduce((s, x) => s + f(x), 0);
}
