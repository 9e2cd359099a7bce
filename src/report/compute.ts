import type { Experiment } from '../config/experiment.js';
import { wilsonInterval } from '../stats/intervals.js';
import type { DecisionRecord, LatencySummary, LeaderCheck, RunData, RunRecord, RunStats, TrialRecord, VariantSums } from '../store/records.js';
import { estimatedRegret, probabilityOfBest } from './allocation.js';
import { meanFromSums, pickBest, type BestVariant } from './best.js';
import { summariseDecisions, type DecisionSummary } from './decisions.js';
import { runnerUpOf } from './leader.js';
import { ErrorTally, type TopError } from './top-errors.js';
import { RunTotals } from './totals.js';
import { winnerVerdict, type WinnerVerdict } from './winner.js';
import type { ShownStatus } from './words.js';

export { clampScoreInterval, meanFromSums, pickBest, type BestCandidate } from './best.js';

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
  /** Posterior probability that this variant has the highest mean reward (Beta posteriors, integrated numerically); null without a scored trial. */
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
  best: BestVariant | null;
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

/**
 * A run's report. From its saved totals when it has them (a run that ended), else from SQL aggregates
 * (`data.stats`), else (an exported file) by summing its trials: no trial is read twice.
 *
 * @example
 * const report = computeReport(storeRunData(queries, runId));
 */
export function computeReport(data: RunData, options: { status?: ShownStatus } = {}): RunReport {
  const stats = data.stats ? data.stats() : statsOfTrials(data.experiment, data.trials());
  return reportFromStats(data.run, data.experiment, stats, data.experiment.controller ? (data.decisions?.() ?? []) : [], options);
}

/** Totals and the lead of trials held in memory (in seq order). */
export function statsOfTrials(experiment: Pick<Experiment, 'variants'>, trials: Iterable<TrialRecord>): RunStats {
  const totals = new RunTotals(experiment.variants.map((v) => v.id));
  for (const t of trials) totals.addRecord(t);
  return totals.stats();
}

/**
 * The report of a run from its statistics.
 *
 * @example
 * reportFromStats(run, experiment, queries.savedStats(run.id)!);
 */
export function reportFromStats(
  run: RunRecord, experiment: Omit<Experiment, 'tasks'>, stats: RunStats, decisions: readonly DecisionRecord[] = [], options: { status?: ShownStatus } = {},
): RunReport {
  const adapters = new Map(experiment.variants.map((v) => [v.id, v.adapter]));
  const total = stats.variants.reduce((n, v) => n + v.finished, 0);
  const arms = stats.variants.map((v) => ({ trials: v.rewarded, rewardSum: v.rewardSum }));
  // P(best) only among variants with a scored trial: one never scored has nothing to be best with.
  const scored = stats.variants.map((v, i) => ({ v, i })).filter(({ v }) => v.ns > 0);
  const probs = scored.length ? probabilityOfBest(scored.map(({ i }) => arms[i]!)) : [];
  const probBest = new Map(scored.map(({ i }, k) => [i, probs[k] ?? null]));
  const variants = stats.variants.map((v, i) => variantReport(v, adapters.get(v.variantId) ?? '?', total, probBest.get(i) ?? null, stats.latency[v.variantId]));
  const status = options.status ?? run.status;
  const best = pickBest(variants);
  const leader = best && stats.leader?.id === best.id ? stats.leader : null;
  const runnerUp = runnerUpOf(best?.id ?? null, variants);
  const sumsOf = (id: string | null | undefined) => {
    const v = id ? stats.variants.find((x) => x.variantId === id) : undefined;
    return v ? { n: v.ns, s: v.s, s2: v.s2 } : null;
  };
  const winner = winnerVerdict({
    mode: experiment.mode, status, stopReason: run.stopReason, bestId: best?.id ?? null, runnerUp, leader,
    bestSums: sumsOf(best?.id), runnerUpSums: sumsOf(runnerUp), ...(experiment.stop ? { stopConfidence: experiment.stop.confidence } : {}),
  });
  const errors = new ErrorTally();
  for (const g of stats.errors ?? []) errors.add(g.variantId, g.kind, g.message, g.count);
  const allocation = experiment.mode !== 'grid'
    ? { policy: experiment.policy?.name ?? 'thompson', regret: estimatedRegret(arms), stoppedConfident: run.stopReason === 'confident' }
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
    controller: experiment.controller ? summariseDecisions(decisions) : null,
    intervals: {
      meanScore: 'Student t interval, 95%, fixed sample size (not valid under repeated looks or adaptive allocation)',
      passRate: 'Wilson score interval, 95%',
      leader: 'betting confidence sequence, 95% (Waudby-Smith & Ramdas): valid at any look and under adaptive allocation',
    },
  };
}

function variantReport(v: VariantSums, adapter: string, total: number, probBest: number | null, latency: LatencySummary | undefined): VariantReport {
  const { mean, ci } = meanFromSums(v.ns, v.s, v.s2);
  const wi = wilsonInterval(v.passes, v.judged);
  return {
    id: v.variantId, adapter, trials: v.finished, errors: v.errors, errorRate: v.finished ? v.errors / v.finished : 0,
    errorsByKind: v.errorsByKind,
    meanScore: mean,
    ci95: ci,
    passRate: v.judged ? wi.estimate : null,
    passRateCi95: v.judged ? pair(wi.low, wi.high) : null,
    latencyP50Ms: latency?.n ? finite(latency.p50 ?? NaN) : null,
    latencyP95Ms: latency?.n ? finite(latency.p95 ?? NaN) : null,
    ...knownCost(v.finished, v.costUnknown, v.cost),
    ...knownTokens(v.finished, v.tokensUnknown, v.tokensIn, v.tokensOut),
    meanAttempts: v.finished ? v.attempts / v.finished : null,
    cached: v.cached ?? 0,
    share: total ? v.finished / total : 0,
    meanReward: v.rewarded ? v.rewardSum / v.rewarded : null,
    probBest,
  };
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
