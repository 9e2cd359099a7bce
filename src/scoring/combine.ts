import type { ScoreResult } from '../model/trial.js';
import type { ScoreInput, Scorer, ScoreValue } from './types.js';

export interface WeightedScorer {
  scorer: Scorer;
  weight: number;
}

export interface CombinedScore {
  score: number;
  scores: ScoreResult[];
}

/**
 * Runs every scorer and combines their scores by weight into one score in [0,1]. Stays synchronous
 * when every scorer is, so an instant trial pays no promise hop for scoring.
 *
 * @example
 * const combined = scoreAll([{ scorer: equals(), weight: 2 }, { scorer: contains(), weight: 1 }], input);
 */
export function scoreAll(scorers: readonly WeightedScorer[], input: ScoreInput): CombinedScore | Promise<CombinedScore> {
  if (scorers.length === 1) {
    // One scorer (the common case): its score as is, with no arrays to build on the way.
    const only = scorers[0]!;
    const v = only.scorer.score(input);
    // No closure for the synchronous case: this runs once per trial.
    return v instanceof Promise ? v.then((x) => single(only, x)) : single(only, v);
  }
  const values = scorers.map((s) => s.scorer.score(input));
  if (values.some((v) => v instanceof Promise)) return Promise.all(values).then((resolved) => combine(scorers, resolved));
  return combine(scorers, values as ScoreValue[]);
}

function single({ scorer, weight }: WeightedScorer, x: ScoreValue): CombinedScore {
  return {
    score: weight > 0 ? (weight * x.score) / weight : 0, // as combine computes it, to the last bit
    scores: [{ scorer: scorer.name, score: x.score, weight, reason: x.reason }],
  };
}

function combine(scorers: readonly WeightedScorer[], values: readonly ScoreValue[]): CombinedScore {
  let total = 0;
  let weights = 0;
  const scores: ScoreResult[] = [];
  for (let i = 0; i < scorers.length; i++) {
    const { scorer, weight } = scorers[i] as WeightedScorer;
    const v = values[i] as ScoreValue;
    total += weight * v.score;
    weights += weight;
    scores.push({ scorer: scorer.name, score: v.score, weight, reason: v.reason });
  }
  return { score: weights > 0 ? total / weights : 0, scores };
}
