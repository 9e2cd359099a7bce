/**
 * What the Runs and Live pages show about a run: its row, its progress against the budget (rate, ETA),
 * the variant table and the live snapshot, all from the aggregates and a few indexed queries.
 */
import type { RunRecord } from '../store/records.js';
import type { RunQueries } from '../store/run-queries.js';
import type { RunAggregate } from './aggregate.js';
import type { Aggregates } from './aggregates.js';
import type { BudgetLimits, LeaderCheck, LiveSnapshot, RunProgress, RunRow, RunSummary, VariantStats, WinnerVerdict } from './api-types.js';
import { runnerUpOf } from '../report/leader.js';
import { winnerVerdict, type ScoreSums } from '../report/winner.js';
import { LeaderChecks } from './leader.js';
import { TopErrors } from './top-errors.js';
import { decisions, displayStatus } from './queries.js';
import { series } from './summary.js';

/** Runs up to this many trials get their statistics computed before the Runs page answers. */
const SMALL_RUN = 50_000;

export const INTERVALS = {
  meanScore: 'Student t interval, 95%, fixed sample size (not valid under repeated looks or adaptive allocation)',
  passRate: 'Wilson score interval, 95%',
  latency: 'p50/p95 of successful attempts; exact up to 60,000 trials, above that from a fixed pseudo-random sample of at least 60,000 trials',
  leader: 'betting confidence sequence, 95% (Waudby-Smith & Ramdas): valid at any look and under adaptive allocation',
};

export class LiveRuns {
  private readonly launchedHere: (runId: string) => boolean;
  private readonly leaders: LeaderChecks;
  private readonly topErrors: TopErrors;
  constructor(private readonly queries: RunQueries, readonly aggregates: Aggregates, launchedHere: (runId: string) => boolean) {
    this.launchedHere = launchedHere;
    this.leaders = new LeaderChecks(queries);
    this.topErrors = new TopErrors(queries);
  }

  /**
   * A run as the Runs page lists it. Small runs get their statistics at once; a large run's are
   * computed in the background (statsPending) the first time it is seen.
   */
  async row(run: RunRecord): Promise<RunRow> {
    const base = baseRow(run);
    const lastSeq = this.queries.lastEventSeq(run.id);
    let totals = this.aggregates.totals(run.id, lastSeq);
    if (!totals && this.queries.trialSpan(run.id) <= SMALL_RUN) {
      await this.aggregates.ensure(run.id);
      totals = this.aggregates.totals(run.id, lastSeq);
    }
    if (totals) {
      const agg = this.aggregates.peek(run.id);
      const verdict = agg ? this.summary(run, agg).winner : null;
      const winner = verdict ? { id: verdict.id, known: verdict.known, text: verdict.text } : null;
      return { ...base, finished: totals.finished, errors: totals.errors, cost: totals.cost, best: totals.best, winner };
    }
    void this.aggregates.ensure(run.id).catch(() => undefined);
    const { finished, errors } = this.queries.runTotals(run.id);
    return { ...base, finished, errors, statsPending: true };
  }

  /** The variant table of a run whose aggregate is ready. */
  summary(run: RunRecord, agg: RunAggregate): RunSummary {
    const { variants, best } = this.aggregates.stats(run.id, agg);
    const inFlight = run.status === 'running' ? this.inflightCount(run.id) : 0;
    const row: RunRow = {
      ...baseRow(run), finished: agg.finished, errors: variants.reduce((s, v) => s + v.errors, 0),
      cost: variants.reduce((s, v) => s + (v.costTotal ?? 0), 0), best: best ? { id: best.id, meanScore: best.meanScore } : null, winner: null, statsPending: false,
    };
    const leader = this.leaders.check(run.id, agg, variants, best, row.status === 'running');
    const winner = this.winner(run, row.status, agg, variants, best?.id ?? null, leader);
    const errors = this.topErrors.of(run.id, row.errors);
    return {
      seq: agg.seq, run: progress(run, row, agg, this.budget(run.id), inFlight), variants, best, leader, winner,
      topErrors: errors.top, otherErrors: errors.others, policy: this.aggregates.policy(run.id), intervals: INTERVALS,
    };
  }

  /** The winner verdict by the report's rule, from the aggregate's sums and the anytime-valid check. */
  private winner(run: RunRecord, status: string, agg: RunAggregate, variants: VariantStats[], bestId: string | null, leader: LeaderCheck | null): WinnerVerdict {
    const runnerUp = runnerUpOf(bestId, variants);
    const sums = (id: string | null): ScoreSums | null => {
      const t = id ? agg.totals.get(id) : undefined;
      return t ? { n: t.ns, s: t.s, s2: t.s2 } : null;
    };
    const stop = (this.config(run.id)['stop'] ?? null) as { confidence?: number } | null;
    return winnerVerdict({
      mode: run.mode, status, stopReason: run.stopReason, bestId, runnerUp, leader, bestSums: sums(bestId), runnerUpSums: sums(runnerUp),
      ...(typeof stop?.confidence === 'number' ? { stopConfidence: stop.confidence } : {}),
    });
  }

  /** The summary when the run's aggregate is ready (the live stream never waits for a build). */
  summaryIfReady(runId: string): RunSummary | null {
    const run = this.queries.getRun(runId);
    const agg = this.aggregates.peek(runId);
    return run && agg ? this.summary(run, agg) : null;
  }

  async snapshot(run: RunRecord): Promise<LiveSnapshot> {
    const agg = await this.aggregates.ensure(run.id);
    const summary = this.summary(run, agg);
    const running = summary.run.status === 'running';
    return {
      ...summary,
      series: series(agg),
      inflight: running ? this.queries.inflightTrials(run.id, 200) : [],
      recent: this.queries.recentTrials(run.id, 50),
      config: this.config(run.id),
      launchedHere: this.launchedHere(run.id),
      decisions: decisions(this.queries, run.id),
    };
  }

  /** The stored config (validated experiment without its tasks): `${ENV}` references intact. */
  config(runId: string): Record<string, unknown> {
    return this.queries.getRun(runId) ? (this.queries.runConfig(runId) as unknown as Record<string, unknown>) : {};
  }

  private budget(runId: string): BudgetLimits {
    const budget = (this.config(runId)['budget'] ?? {}) as BudgetLimits;
    return { ...(budget.trials !== undefined ? { trials: budget.trials } : {}), ...(budget.cost !== undefined ? { cost: budget.cost } : {}), ...(budget.time !== undefined ? { time: budget.time } : {}) };
  }

  private inflightCount(runId: string): number {
    return this.queries.inflightCount(runId);
  }
}

function baseRow(run: RunRecord): RunRow {
  return {
    id: run.id, name: run.name, mode: run.mode, status: displayStatus(run), stopReason: run.stopReason, createdAt: run.createdAt,
    startedAt: run.startedAt, finishedAt: run.finishedAt, activeMs: run.activeMs, planned: run.planned, finished: 0, errors: 0, cost: null,
    best: null, winner: null, statsPending: false, source: run.source,
  };
}

/** Progress, rate (finished trials per second over the last seconds) and ETA against plan and budget. */
function progress(run: RunRecord, row: RunRow, agg: RunAggregate, budget: BudgetLimits, inFlight: number): RunProgress {
  const now = Date.now();
  const running = row.status === 'running';
  const elapsedMs = running && run.startedAt ? run.activeMs + (now - run.startedAt) : run.activeMs;
  let rate: number | null = null;
  const h = agg.history;
  if (running && h.length >= 2) {
    const [t0, n0] = h[0]!;
    const [t1, n1] = h[h.length - 1]!;
    const span = Math.max(now - t0, t1 - t0);
    if (span > 500) rate = ((n1 - n0) * 1000) / span;
  }
  if (running && rate === null && elapsedMs > 1000 && row.finished > 0) rate = (row.finished * 1000) / elapsedMs;
  let etaMs: number | null = null;
  if (running) {
    const target = Math.min(run.planned ?? Infinity, budget.trials ?? Infinity);
    const candidates: number[] = [];
    if (Number.isFinite(target) && rate) candidates.push((Math.max(0, target - row.finished) / rate) * 1000);
    if (budget.time !== undefined) candidates.push(Math.max(0, budget.time - elapsedMs));
    if (budget.cost !== undefined && row.cost && elapsedMs > 0) {
      candidates.push(Math.max(0, ((budget.cost - row.cost) / row.cost) * elapsedMs));
    }
    etaMs = candidates.length ? Math.min(...candidates) : null;
  }
  return { ...row, budget, inFlight, rate, etaMs, elapsedMs };
}
