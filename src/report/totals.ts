import type { TrialOutcome } from '../model/trial.js';
import { quantile } from '../stats/descriptive.js';
import { RUN_STATS_VERSION, type ErrorGroup, type RunStats, type TrialRecord, type VariantSums } from '../store/records.js';

/** Distinct (variant, kind, message) error groups a run's totals keep; longest message kept. */
const MAX_ERROR_GROUPS = 200;
const MAX_ERROR_MESSAGE = 300;
import { leaderOfSums } from './best.js';
import type { RunQueries } from '../store/run-queries.js';
import { LATENCY_SAMPLE_MAX, LatencySample, seqHash } from './latency-sample.js';
import { LEADER_SCORES, ScorePrefix } from './score-prefix.js';

/** Zero sums for one variant. */
export function emptySums(variantId: string): VariantSums {
  return {
    variantId, finished: 0, errors: 0, errorsByKind: {}, ns: 0, s: 0, s2: 0, judged: 0, passes: 0, cost: 0, costUnknown: 0, tokensIn: 0, tokensOut: 0, tokensUnknown: 0,
    attempts: 0, rewarded: 0, rewardSum: 0, latN: 0, latSum: 0, cached: 0,
  };
}

/** Adds `b` into `a` (same variant). */
export function mergeSums(a: VariantSums, b: VariantSums): void {
  a.finished += b.finished;
  a.errors += b.errors;
  for (const [kind, n] of Object.entries(b.errorsByKind)) a.errorsByKind[kind] = (a.errorsByKind[kind] ?? 0) + n;
  a.ns += b.ns;
  a.s += b.s;
  a.s2 += b.s2;
  a.judged += b.judged;
  a.passes += b.passes;
  a.cost += b.cost;
  a.costUnknown += b.costUnknown;
  a.tokensIn += b.tokensIn;
  a.tokensOut += b.tokensOut;
  a.tokensUnknown += b.tokensUnknown;
  a.attempts += b.attempts;
  a.rewarded += b.rewarded;
  a.rewardSum += b.rewardSum;
  a.latN += b.latN;
  a.latSum += b.latSum;
  a.cached += b.cached;
}

/** The floating sums of a variant, with Neumaier compensation: [cost, s, s2, rewardSum, latSum] then their errors. */
const COST = 0;
const S = 1;
const S2 = 2;
const REWARD = 3;
const LAT = 4;
const FLOATS = 5;

/** Adds x to sum k of f, keeping the rounding error in f[k + FLOATS]: the total no longer depends on the order. */
function add(f: Float64Array, k: number, x: number): void {
  const sum = f[k]!;
  const t = sum + x;
  f[k + FLOATS]! += Math.abs(sum) >= Math.abs(x) ? sum - t + x : x - t + sum;
  f[k] = t;
}

/** A finished trial's cost and tokens; unknown ones are counted as unknown, never as 0. */
function addUsage(a: Acc, cost: number | null, tokensIn: number | null, tokensOut: number | null): void {
  const t = a.sums;
  if (cost === null) t.costUnknown++;
  else add(a.floats, COST, cost);
  if (tokensIn === null || tokensOut === null) t.tokensUnknown++;
  t.tokensIn += tokensIn ?? 0;
  t.tokensOut += tokensOut ?? 0;
}

function total(f: Float64Array, k: number): number {
  return f[k]! + f[k + FLOATS]!;
}

interface Acc {
  sums: VariantSums;
  floats: Float64Array;
}

/**
 * A run's totals, kept as trials finish: sums per variant, a bounded latency sample and each variant's
 * first scores (for the lead check). Memory does not grow with the number of trials, and the report at
 * the end of a run reads no trial again. Floating sums are compensated, so they do not depend on the
 * order trials finished in: the report of a run equals the report of its export.
 *
 * @example
 * const totals = new RunTotals(['a', 'b']);
 * totals.addOutcome('a', 0, outcome, 1);
 * totals.stats().variants[0].finished; // 1
 */
export class RunTotals {
  private readonly accs = new Map<string, Acc>();
  private readonly latency = new LatencySample();
  private readonly prefixes = new Map<string, ScorePrefix>();
  /** Errors by variant, kind and message; distinct groups are capped (the rest is counted in `errorOverflow`). */
  private readonly errorGroups = new Map<string, ErrorGroup>();
  private errorOverflow: ErrorGroup | null = null;

  constructor(variantIds: readonly string[]) {
    for (const id of variantIds) this.acc(id);
  }

  /** A trial as the engine sees it finish. */
  addOutcome(variantId: string, seq: number, o: TrialOutcome, reward: number | null): void {
    const a = this.acc(variantId);
    const t = a.sums;
    t.finished++;
    t.attempts += o.attempts.length;
    addUsage(a, o.cost, o.tokens.input, o.tokens.output);
    if (reward !== null) {
      t.rewarded++;
      add(a.floats, REWARD, reward);
    }
    if (o.status === 'error') {
      t.errors++;
      const kind = o.error?.kind ?? 'unknown';
      t.errorsByKind[kind] = (t.errorsByKind[kind] ?? 0) + 1;
      this.addError(variantId, kind, o.error?.message ?? '', 1);
      return;
    }
    this.addScored(a, seq, o.score, o.passed);
    // An answer from the response cache took no time: it stays out of every latency statistic.
    if (o.cached) {
      t.cached++;
      return;
    }
    t.latN++;
    add(a.floats, LAT, o.latencyMs);
    this.latency.add(variantId, seqHash(seq), o.latencyMs);
  }

  /** A trial as stored (an exported run, or a store read trial by trial). */
  addRecord(r: TrialRecord): void {
    if (r.status === 'scheduled') return;
    const a = this.acc(r.variantId);
    const t = a.sums;
    t.finished++;
    t.attempts += r.attempts.length;
    addUsage(a, r.cost, r.tokensIn, r.tokensOut);
    if (r.reward !== undefined && r.reward !== null) {
      t.rewarded++;
      add(a.floats, REWARD, r.reward);
    }
    if (r.status === 'error') {
      t.errors++;
      const kind = r.errorKind ?? 'unknown';
      t.errorsByKind[kind] = (t.errorsByKind[kind] ?? 0) + 1;
      this.addError(r.variantId, kind, r.error ?? '', 1);
      return;
    }
    this.addScored(a, r.seq, r.score, r.passed);
    if (r.cached) t.cached++;
    if (r.cached || r.latencyMs === null) return;
    t.latN++;
    add(a.floats, LAT, r.latencyMs);
    this.latency.add(r.variantId, seqHash(r.seq), r.latencyMs);
  }

  /** Sums computed elsewhere (SQL aggregates of what finished before a resume). */
  addSums(sums: VariantSums): void {
    const a = this.acc(sums.variantId);
    mergeSums(a.sums, { ...sums, cost: 0, s: 0, s2: 0, rewardSum: 0, latSum: 0 });
    add(a.floats, COST, sums.cost);
    add(a.floats, S, sums.s);
    add(a.floats, S2, sums.s2);
    add(a.floats, REWARD, sums.rewardSum);
    add(a.floats, LAT, sums.latSum);
  }

  /**
   * Errored trials of one group (a GROUP BY row, or one trial). At most MAX_ERROR_GROUPS distinct
   * groups are kept; the others are counted together.
   */
  addError(variantId: string, kind: string, message: string, count: number): void {
    const text = message.length > MAX_ERROR_MESSAGE ? `${message.slice(0, MAX_ERROR_MESSAGE)}...` : message;
    const key = `${variantId}\u0000${kind}\u0000${text}`;
    const group = this.errorGroups.get(key);
    if (group) group.count += count;
    else if (this.errorGroups.size < MAX_ERROR_GROUPS) this.errorGroups.set(key, { variantId, kind, message: text, count });
    else if (this.errorOverflow) this.errorOverflow.count += count;
    else this.errorOverflow = { variantId: '', kind: 'unknown', message: '(other messages)', count };
  }

  /** One successful trial's latency (with addSums: what finished before a resume). */
  addLatency(variantId: string, seq: number, ms: number): void {
    this.latency.add(variantId, seqHash(seq), ms);
  }

  /** One scored trial's score (with addSums: what finished before a resume). */
  addScore(variantId: string, seq: number, score: number): void {
    this.prefix(variantId).add(seq, score);
  }

  /** The sums per variant as they stand (copies). */
  variants(): VariantSums[] {
    return [...this.accs.values()].map(({ sums, floats: f }) => ({
      ...sums, errorsByKind: { ...sums.errorsByKind }, cost: total(f, COST), s: total(f, S), s2: total(f, S2), rewardSum: total(f, REWARD),
      latSum: total(f, LAT),
    }));
  }

  /** The totals as saved report inputs, the lead check included. */
  stats(): RunStats {
    const latency: RunStats['latency'] = {};
    for (const id of this.accs.keys()) {
      const sorted = this.latency.sorted(id);
      latency[id] = { n: sorted.length, p50: finite(quantile(sorted, 0.5)), p95: finite(quantile(sorted, 0.95)) };
    }
    const variants = this.variants();
    const leader = leaderOfSums(variants, ([a, b]) => [this.prefix(a).scores(), this.prefix(b).scores()]);
    const errors = [...this.errorGroups.values()].map((g) => ({ ...g }));
    if (this.errorOverflow) errors.push({ ...this.errorOverflow });
    return { version: RUN_STATS_VERSION, variants, latency, latencySampled: !this.latency.exact, leader, errors };
  }

  private addScored(a: Acc, seq: number, score: number | null, passed: boolean | null): void {
    const t = a.sums;
    if (score !== null) {
      t.ns++;
      add(a.floats, S, score);
      add(a.floats, S2, score * score);
      this.prefix(t.variantId).add(seq, score);
    }
    if (passed !== null) {
      t.judged++;
      if (passed) t.passes++;
    }
  }

  private prefix(id: string): ScorePrefix {
    let p = this.prefixes.get(id);
    if (!p) this.prefixes.set(id, (p = new ScorePrefix()));
    return p;
  }

  private acc(id: string): Acc {
    let a = this.accs.get(id);
    if (!a) this.accs.set(id, (a = { sums: emptySums(id), floats: new Float64Array(2 * FLOATS) }));
    return a;
  }
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/**
 * A run's totals from the store's aggregate queries: sums per variant, the latency sample and the
 * lead's score prefixes, without materialising any trial. For runs that have no saved totals (a run
 * still going, killed, or older than saved totals) and for the totals a resumed run continues from.
 *
 * @example
 * const stats = totalsFromQueries(queries, runId, ['a', 'b']).stats();
 */
export function totalsFromQueries(queries: RunQueries, runId: string, variantIds: readonly string[]): RunTotals {
  const totals = new RunTotals(variantIds);
  const sums = queries.variantSums(runId);
  for (const s of sums) totals.addSums(s);
  // Fetch only what can stay in the sample: a threshold a little above where it will settle.
  const ok = sums.reduce((n, s) => n + s.finished - s.errors, 0);
  const halvings = Math.max(0, Math.floor(Math.log2(Math.max(1, ok) / LATENCY_SAMPLE_MAX)) - 1);
  for (const [variantId, seq, ms] of queries.latencies(runId, 2 ** 32 / 2 ** halvings)) totals.addLatency(variantId, seq, ms);
  for (const g of queries.errorGroups(runId, MAX_ERROR_GROUPS)) totals.addError(g.variantId, g.kind, g.message, g.count);
  const wanted = new Map(sums.map((s) => [s.variantId, Math.min(s.ns, LEADER_SCORES)]));
  let missing = [...wanted.values()].filter((n) => n > 0).length;
  if (missing > 0) {
    for (const [variantId, seq, score] of queries.scores(runId)) {
      const left = wanted.get(variantId) ?? 0;
      if (left <= 0) continue;
      totals.addScore(variantId, seq, score);
      wanted.set(variantId, left - 1);
      if (left === 1 && --missing === 0) break;
    }
  }
  return totals;
}
