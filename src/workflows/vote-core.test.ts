import { describe, expect, it } from 'vitest';
import { detectApprovalTimeout, detectRework, detectThrashing } from './antipatterns.js';
import { chooseRuntime } from './bandit.js';
import { betaAboveHalf, consensusThreshold, decideVote, dissentByVoter, dissentRate, latencyPercentiles, tallyVotes, type Ballot } from './vote-core.js';

const b = (choice: string, voter = 'v', confidence = 1): Ballot => ({ voter, choice, confidence });
const rule = { maxVoters: 9, minVoters: 2, threshold: 0.6, stopConfidence: 0.95 };

describe('vote core', () => {
  it('computes the Adaptive-Consistency statistic from the top two counts', () => {
    expect(betaAboveHalf(1, 1)).toBe(0.5);
    expect(betaAboveHalf(6, 1)).toBeCloseTo(1 - 1 / 64, 12);
    expect(betaAboveHalf(4, 2)).toBeCloseTo(0.8125, 12);
    expect(betaAboveHalf(2, 4)).toBeCloseTo(0.1875, 12);
    expect(tallyVotes([b('x'), b('y'), b('x')])).toMatchObject({ leader: 'x', runnerUp: 'y', leaderCount: 2, runnerUpCount: 1, share: 2 / 3 });
  });

  it('breaks ties by summed confidence, then by the first ballot', () => {
    expect(tallyVotes([b('x', 'a', 0.4), b('y', 'b', 0.9)]).leader).toBe('y');
    expect(tallyVotes([b('x'), b('y')]).leader).toBe('x');
  });

  it('stops once agreement is sufficient, or the outcome can no longer change, or the ballots run out', () => {
    expect(decideVote([b('x')], rule).done).toBe(false);
    expect(decideVote([b('x'), b('x'), b('x')], rule)).toMatchObject({ done: false });
    expect(decideVote([b('x'), b('x'), b('x'), b('x')], rule)).toMatchObject({ done: true, reason: 'confident', winner: 'x', consensus: true, confidence: 1 });
    // 3 of max 3 cast: exhausted; 2 of 3 for x is 67% >= 60%.
    expect(decideVote([b('x'), b('y'), b('x')], { ...rule, maxVoters: 3 })).toMatchObject({ done: true, reason: 'exhausted', winner: 'x', consensus: true });
    // x leads 4-1 with 2 ballots left: it cannot be overtaken. Its final share is at least 4/7 = 57%:
    // with a 60% threshold the consensus could still fail (go on), with 50% it cannot (stop).
    const five = [b('x'), b('x'), b('x'), b('x'), b('y')];
    expect(decideVote(five, { ...rule, maxVoters: 7, stopConfidence: 0.999 })).toMatchObject({ done: false });
    expect(decideVote(five, { ...rule, maxVoters: 7, threshold: 0.5, stopConfidence: 0.999 })).toMatchObject({ done: true, reason: 'cannot-change', winner: 'x', consensus: true });
    const split = decideVote([b('x'), b('y'), b('x'), b('y'), b('z'), b('x'), b('y'), b('z'), b('x')], rule);
    expect(split).toMatchObject({ done: true, reason: 'exhausted', winner: 'x', consensus: false });
    expect(split.share).toBeCloseTo(4 / 9, 12);
  });

  it('weights the step\'s confidence by the voters\' own confidence', () => {
    const o = decideVote([b('x', 'a', 0.9), b('x', 'b', 0.5), b('y', 'c', 0.6)], { ...rule, maxVoters: 3 });
    expect(o.confidence).toBeCloseTo(1.4 / 2, 12);
  });

  it('tracks dissent per voter and flags persistent dissenters', () => {
    const records = [
      ...Array.from({ length: 6 }, () => ({ voter: 'contrarian', against: true })),
      ...Array.from({ length: 6 }, (_, i) => ({ voter: 'steady', against: i === 0 })),
      { voter: 'new', against: true },
    ];
    expect(dissentByVoter(records)).toEqual([
      { voter: 'contrarian', ballots: 6, against: 6, rate: 1, persistent: true },
      { voter: 'steady', ballots: 6, against: 1, rate: 1 / 6, persistent: false },
      { voter: 'new', ballots: 1, against: 1, rate: 1, persistent: false },
    ]);
    expect(dissentRate(records)).toBeCloseTo(8 / 13, 12);
    expect(latencyPercentiles([100, 200, 300])).toEqual({ p50: 200, p95: 290, n: 3 });
  });

  it('adapts the consensus threshold to measured dissent and criticality', () => {
    expect(consensusThreshold({ consensus: 'every', critical: false, base: 0.7 }, 0.9)).toBe(0.7);
    expect(consensusThreshold({ consensus: 'critical', critical: false, base: 0.7 }, 0.9)).toBe(0);
    expect(consensusThreshold({ consensus: 'critical', critical: true, base: 0.7 }, 0.9)).toBe(0.7);
    expect(consensusThreshold({ consensus: 'adaptive', critical: false, base: 2 / 3 }, 0.2)).toBeCloseTo(2 / 3, 12);
    // Six of nine ballots meet a 2/3 threshold (no rounding makes it miss).
    expect(decideVote([...Array(6).fill(b('x')), ...Array(3).fill(b('y'))], { ...rule, threshold: 2 / 3 })).toMatchObject({ done: true, consensus: true });
    expect(consensusThreshold({ consensus: 'adaptive', critical: false, base: 2 / 3 }, 0)).toBeCloseTo(0.5667, 4);
    expect(consensusThreshold({ consensus: 'adaptive', critical: true, base: 2 / 3 }, 0.35)).toBeCloseTo(0.8417, 4);
    expect(consensusThreshold({ consensus: 'adaptive', critical: true, base: 0.8 }, 0.9)).toBe(0.9);
  });
});

describe('antipatterns', () => {
  const h = (passed: boolean[], hashes?: string[]) => passed.map((p, i) => ({ round: i + 1, score: p ? 0.9 : 0.4, passed: p, hash: hashes?.[i] ?? `h${i}` }));
  it('calls flips of the review verdict, or a version coming back, thrashing', () => {
    expect(detectThrashing('s', h([false, false, true]))).toBeNull();
    expect(detectThrashing('s', h([true, false, true]))).toMatchObject({ kind: 'thrashing', reason: 'the review verdict flipped 2 times in 3 rounds' });
    expect(detectThrashing('s', h([false, false, false], ['a', 'b', 'a']))).toMatchObject({ reason: 'round 3 produced the same artifact as round 1: it went back and forth' });
  });
  it('calls rounds far above the norm excessive rework, and an approval past its timeout a deadlock', () => {
    expect(detectRework('s', { rounds: 3, retries: 0 }, null)).toBeNull();
    expect(detectRework('s', { rounds: 3, retries: 1 }, null)).toMatchObject({ kind: 'excessive-rework' });
    expect(detectRework('s', { rounds: 4, retries: 1 }, 2.5)).toBeNull();
    expect(detectApprovalTimeout('gate', 0, 60_000, 59_000)).toBeNull();
    expect(detectApprovalTimeout('gate', 0, 60_000, 90_000)).toMatchObject({ kind: 'deadlock', reason: 'approval waiting for 90s, past its timeout of 60s' });
    expect(detectApprovalTimeout('gate', 0, null, 1e12)).toBeNull();
  });
});

describe('runtime choice', () => {
  it('is fixed with one runtime, deterministic per seed, and favours the runtime with better scores', () => {
    expect(chooseRuntime(['a'], [], 1, 'x', 0).runtime).toBe('a');
    expect(chooseRuntime(['a', 'b'], [], 7, 'x', 0)).toEqual(chooseRuntime(['a', 'b'], [], 7, 'x', 0));
    const history = [...Array.from({ length: 20 }, () => ({ runtime: 'a', reward: 0.9 })), ...Array.from({ length: 20 }, () => ({ runtime: 'b', reward: 0.2 }))];
    const picks = Array.from({ length: 200 }, (_, i) => chooseRuntime(['a', 'b'], history, 3, `i${i}`, 0).runtime);
    expect(picks.filter((p) => p === 'a').length).toBeGreaterThan(190);
    const arms = chooseRuntime(['a', 'b'], history, 3, 'x', 0).arms;
    expect(arms.map((a) => [a.runtime, a.trials])).toEqual([['a', 20], ['b', 20]]);
    expect(arms[1]!.meanReward).toBeCloseTo(0.2, 12);
  });
});
