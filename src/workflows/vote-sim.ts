/**
 * Votes of mock voters with known accuracy, decided by the vote core: a fixed number of ballots (plain
 * majority, as self-consistency does) against early stopping (Adaptive-Consistency). Pure and seeded,
 * for tests and `bench/votes.bench.ts`.
 */
import { createRandom, type Random } from '../model/random.js';
import { decideVote, tallyVotes, type Ballot } from './vote-core.js';

export interface VoteSimulation {
  /** Accuracy of each mock voter (voters are cycled, as a vote step cycles its `voters`). */
  voters: number[];
  /** Each question shifts every voter's accuracy by a uniform draw in [-spread, +spread]. */
  spread: number;
  /** Answers to choose from; the first is right. */
  options: number;
  /** Share of wrong answers that go to one "trap" option (the rest spread evenly): wrong answers of models concentrate. */
  trap: number;
  questions: number;
  /** Ballots of the fixed vote, and the most the early-stopping vote may cast. */
  fixedN: number;
  stopConfidence: number;
  minVoters?: number;
  seed: number;
}

export interface VoteSimulationResult {
  questions: number;
  fixedAccuracy: number;
  earlyAccuracy: number;
  fixedCalls: number;
  earlyCalls: number;
  /** Fixed-N calls per early-stopping call. */
  savings: number;
  /** Early minus fixed accuracy, in percentage points. */
  deltaPoints: number;
}

/**
 * @example
 * simulateVotes({ voters: [0.8, 0.7], spread: 0.1, options: 4, trap: 0.5, questions: 1000, fixedN: 40, stopConfidence: 0.95, seed: 1 });
 */
export function simulateVotes(s: VoteSimulation): VoteSimulationResult {
  const rng = createRandom(s.seed);
  let fixedRight = 0;
  let earlyRight = 0;
  let earlyCalls = 0;
  for (let q = 0; q < s.questions; q++) {
    const shift = (rng.next() * 2 - 1) * s.spread;
    // The same ballots feed both votes: early stopping reads a prefix of what the fixed vote reads.
    const ballots: Ballot[] = Array.from({ length: s.fixedN }, (_, i) => ballot(rng, s, i, shift));
    if (tallyVotes(ballots).leader === 'a0') fixedRight++;
    const rule = { maxVoters: s.fixedN, minVoters: s.minVoters ?? 1, threshold: 0, stopConfidence: s.stopConfidence };
    for (let n = 1; n <= s.fixedN; n++) {
      const outcome = decideVote(ballots.slice(0, n), rule);
      if (!outcome.done) continue;
      earlyCalls += n;
      if (outcome.winner === 'a0') earlyRight++;
      break;
    }
  }
  const fixedCalls = s.questions * s.fixedN;
  return {
    questions: s.questions,
    fixedAccuracy: fixedRight / s.questions,
    earlyAccuracy: earlyRight / s.questions,
    fixedCalls,
    earlyCalls,
    savings: fixedCalls / earlyCalls,
    deltaPoints: ((earlyRight - fixedRight) / s.questions) * 100,
  };
}

function ballot(rng: Random, s: VoteSimulation, i: number, shift: number): Ballot {
  const voter = i % s.voters.length;
  const p = Math.min(0.99, Math.max(0.01, s.voters[voter]! + shift));
  let choice = 0;
  if (rng.next() >= p) choice = s.options === 2 || rng.next() < s.trap ? 1 : 1 + rng.int(s.options - 1);
  return { voter: `v${voter}`, choice: `a${choice}`, confidence: 1 };
}
