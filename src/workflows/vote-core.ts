/**
 * The decision core of votes: pure functions of the ballots cast so far, no clock, no I/O.
 *
 * Ballots are drawn one at a time and the vote stops as soon as one of these holds (after `minVoters`):
 * - the outcome can no longer change: the leader's lead exceeds the ballots left, and whether the
 *   consensus threshold is met cannot change either;
 * - agreement is sufficient, as in Adaptive-Consistency (Aggarwal et al., 2023): with the leader's and
 *   the runner-up's counts a and b, the Beta(a + 1, b + 1) posterior puts at least `stopConfidence` of
 *   its mass above 1/2 (the leader is the true majority);
 * - `maxVoters` ballots are cast.
 * The winner needs a share of the ballots of at least the consensus threshold, which adapts to the
 * measured dissent and the step's criticality (`consensusThreshold`).
 */
import { binomCdf, quantile } from '../stats/index.js';
import type { Consensus } from './model.js';

export interface Ballot {
  voter: string;
  choice: string;
  /** The voter's own confidence in [0, 1] (1 when it gives none). */
  confidence: number;
}

export interface VoteRule {
  maxVoters: number;
  minVoters: number;
  /** Share of ballots the winner needs for a consensus, in [0, 1]. */
  threshold: number;
  stopConfidence: number;
}

export type StopReason = 'cannot-change' | 'confident' | 'exhausted';

export interface VoteTally {
  cast: number;
  counts: Record<string, number>;
  leader: string | null;
  runnerUp: string | null;
  leaderCount: number;
  runnerUpCount: number;
  /** Leader's share of the ballots cast. */
  share: number;
  /** Posterior probability that the leader is the majority choice (Adaptive-Consistency's statistic). */
  pLeader: number;
}

export interface VoteOutcome extends VoteTally {
  done: boolean;
  reason: StopReason | null;
  /** The winner, when done (the leader; ties go to the higher summed confidence, then the earlier ballot). */
  winner: string | null;
  /** The winner's share reached the threshold. */
  consensus: boolean;
  /** Confidence-weighted share of the winner: the step's confidence. */
  confidence: number;
}

/**
 * Counts ballots; ties between choices go to the higher summed confidence, then to the choice voted first.
 *
 * @example
 * tallyVotes([{ voter: 'a', choice: 'x', confidence: 0.9 }]).leader; // 'x'
 */
export function tallyVotes(ballots: readonly Ballot[]): VoteTally {
  const counts: Record<string, number> = {};
  const weight: Record<string, number> = {};
  const first: Record<string, number> = {};
  ballots.forEach((b, i) => {
    counts[b.choice] = (counts[b.choice] ?? 0) + 1;
    weight[b.choice] = (weight[b.choice] ?? 0) + b.confidence;
    first[b.choice] ??= i;
  });
  const order = Object.keys(counts).sort((x, y) => counts[y]! - counts[x]! || weight[y]! - weight[x]! || first[x]! - first[y]!);
  const leader = order[0] ?? null;
  const runnerUp = order[1] ?? null;
  const leaderCount = leader ? counts[leader]! : 0;
  const runnerUpCount = runnerUp ? counts[runnerUp]! : 0;
  return {
    cast: ballots.length, counts, leader, runnerUp, leaderCount, runnerUpCount,
    share: ballots.length ? leaderCount / ballots.length : 0,
    pLeader: leader ? betaAboveHalf(leaderCount + 1, runnerUpCount + 1) : 0,
  };
}

/**
 * Whether the vote can stop now, and its outcome.
 *
 * @example
 * decideVote(ballots, { maxVoters: 9, minVoters: 2, threshold: 0.66, stopConfidence: 0.95 }).done;
 */
export function decideVote(ballots: readonly Ballot[], rule: VoteRule): VoteOutcome {
  const t = tallyVotes(ballots);
  const remaining = Math.max(0, rule.maxVoters - t.cast);
  let reason: StopReason | null = null;
  if (t.cast >= rule.maxVoters) reason = 'exhausted';
  else if (t.cast >= rule.minVoters && t.leader !== null) {
    const leaderFixed = t.leaderCount - t.runnerUpCount > remaining;
    // The share at the end lies between L/(n+r) (every remaining ballot elsewhere) and (L+r)/(n+r).
    const worst = t.leaderCount / (t.cast + remaining);
    const best = (t.leaderCount + remaining) / (t.cast + remaining);
    const consensusFixed = reaches(worst, rule.threshold) || !reaches(best, rule.threshold);
    if (leaderFixed && consensusFixed) reason = 'cannot-change';
    else if (t.pLeader >= rule.stopConfidence) reason = 'confident';
  }
  const done = reason !== null;
  const winner = done ? t.leader : null;
  const total = ballots.reduce((s, b) => s + b.confidence, 0);
  const winnerWeight = ballots.filter((b) => b.choice === winner).reduce((s, b) => s + b.confidence, 0);
  return {
    ...t, done, reason, winner,
    consensus: done && winner !== null && reaches(t.share, rule.threshold),
    confidence: total > 0 ? winnerWeight / total : 0,
  };
}

/** A share reaches a threshold (with a tolerance: 2/3 of the ballots meets a 2/3 threshold). */
function reaches(share: number, threshold: number): boolean {
  return share >= threshold - 1e-9;
}

/**
 * P(X > 1/2) for X ~ Beta(a, b) with whole a, b. Since P(X <= x) = P(Binomial(a + b - 1, x) >= a),
 * P(X > 1/2) = P(Binomial(a + b - 1, 1/2) <= a - 1).
 *
 * @example
 * betaAboveHalf(6, 1); // 0.984375 (five ballots, all for the leader)
 */
export function betaAboveHalf(a: number, b: number): number {
  return binomCdf(a - 1, a + b - 1, 0.5);
}

/** A voter is a persistent dissenter after this many ballots with at least this share against the majority. */
export const DISSENT_MIN_BALLOTS = 5;
export const DISSENT_FLAG_RATE = 0.5;

export interface DissentRecord {
  voter: string;
  /** Voted against the vote's winner. */
  against: boolean;
}

export interface VoterDissent {
  voter: string;
  ballots: number;
  against: number;
  rate: number;
  persistent: boolean;
}

/**
 * Per voter: how often it voted against the winner, and whether it is a persistent dissenter.
 *
 * @example
 * dissentByVoter([{ voter: 'a', against: true }]); // [{ voter: 'a', ballots: 1, against: 1, rate: 1, persistent: false }]
 */
export function dissentByVoter(records: readonly DissentRecord[]): VoterDissent[] {
  const by = new Map<string, { ballots: number; against: number }>();
  for (const r of records) {
    const s = by.get(r.voter) ?? { ballots: 0, against: 0 };
    s.ballots++;
    if (r.against) s.against++;
    by.set(r.voter, s);
  }
  return [...by].map(([voter, s]) => {
    const rate = s.against / s.ballots;
    return { voter, ballots: s.ballots, against: s.against, rate, persistent: s.ballots >= DISSENT_MIN_BALLOTS && rate >= DISSENT_FLAG_RATE };
  });
}

/** Share of all ballots cast against their vote's winner (0 with no history). */
export function dissentRate(records: readonly DissentRecord[]): number {
  return records.length ? records.filter((r) => r.against).length / records.length : 0;
}

/** Dissent expected of independent voters; the adaptive threshold moves with the distance from it. */
export const EXPECTED_DISSENT = 0.2;
const ADAPT_GAIN = 0.5;

/**
 * The consensus share a vote needs:
 * - `every`: every decision needs `base`;
 * - `critical`: critical decisions need `base`; others pass with a plurality (threshold 0);
 * - `adaptive`: `base + 0.5 * (dissent - 0.2)`, plus 0.1 for a critical decision, clamped to
 *   [0.5, 0.9]: voters who often disagree make a bare majority weaker evidence, so more agreement is
 *   asked; voters who rarely disagree need less.
 *
 * @example
 * consensusThreshold({ consensus: 'adaptive', critical: true, base: 2 / 3 }, 0.35); // 0.84
 */
export function consensusThreshold(rule: { consensus: Consensus; critical: boolean; base: number }, dissent: number): number {
  if (rule.consensus === 'every') return rule.base;
  if (rule.consensus === 'critical') return rule.critical ? rule.base : 0;
  const t = rule.base + ADAPT_GAIN * (dissent - EXPECTED_DISSENT) + (rule.critical ? 0.1 : 0);
  return Math.min(0.9, Math.max(0.5, t));
}

/**
 * p50 and p95 of consensus latencies (ms from a vote's first ballot to its decision).
 *
 * @example
 * latencyPercentiles([100, 200, 300]); // { p50: 200, p95: 290, n: 3 }
 */
export function latencyPercentiles(latencies: readonly number[]): { p50: number | null; p95: number | null; n: number } {
  if (latencies.length === 0) return { p50: null, p95: null, n: 0 };
  const sorted = Float64Array.from(latencies).sort();
  return { p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), n: latencies.length };
}
