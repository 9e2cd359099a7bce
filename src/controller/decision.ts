/** What the controller can decide. */
export const DECISION_KINDS = ['reweight', 'quarantine', 'probe', 'restore', 'rollback', 'escalate', 'pause', 'reset'] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];

/** How a change turned out under its anytime-valid test; `not-applicable` for what is not a change of allocation. */
export type ValidationStatus = 'pending' | 'beneficial' | 'neutral' | 'harmful' | 'not-applicable' | 'cancelled';

/**
 * The statistics a decision rests on: the test, its statistic and threshold, the metric before and
 * after, how many observations each side had, and the window of the run it looked at.
 *
 * @example
 * { detector: 'failure', metric: 'error rate', test: 'bernoulli CUSUM (odds x3)', statistic: 17.9, threshold: 16.8,
 *   baseline: 0.051, current: 0.16, samples: { baseline: 1890, current: 212 }, window: { fromTrial: 6021, toTrial: 6655 } }
 */
export interface Evidence {
  detector: string;
  metric: string;
  test: string;
  statistic: number;
  threshold: number;
  /** The metric's baseline (what it was) and its current estimate (since the estimated change). */
  baseline: number | null;
  current: number | null;
  samples: { baseline: number; current: number };
  /** The stretch of the run, in finished-trial counts, that the statistic covers. */
  window: { fromTrial: number; toTrial: number };
  /** Anything else the reader needs (a latency threshold in ms, the alternative rate...). */
  details?: Record<string, number | string | boolean | null>;
}

/** A change of allocation: what one variant's control looked like before and after. */
export interface ArmChange {
  weight?: number;
  floor?: number;
  breaker?: BreakerState;
  cooldownTicks?: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

/** The verdict of a change's validation and the numbers behind it. */
export interface ValidationResult {
  status: ValidationStatus;
  /** Mean reward of the treatment and of the control share, and how many pairs were compared. */
  treatment?: number | null;
  control?: number | null;
  pairs?: number;
  /** Log-capital of the harm and benefit bets, and the log threshold they are held to. */
  harm?: number;
  benefit?: number;
  threshold?: number;
  /** Finished-trial count of the run at the verdict. */
  atTrial?: number;
}

/**
 * One controller decision: what it did, to what, why, with which evidence, how it was validated and
 * what undid it. Plain data: the decision log stores it as is.
 *
 * @example
 * { id: 3, kind: 'quarantine', target: 'flaky', reason: 'failure spike: error rate 0.62 since trial 2012 (baseline 0.02)', ... }
 */
export interface Decision {
  /** 1, 2, ... within the run. */
  id: number;
  kind: DecisionKind;
  /** A variant id, or 'run'. */
  target: string;
  reason: string;
  detector: string | null;
  evidence: Evidence | null;
  change: { before: ArmChange; after: ArmChange } | null;
  /** Finished trials of the run when it was taken (its place on the charts' axis). */
  atTrial: number;
  /** Time of the event that led to it (ms since epoch); comes from the events, not from a clock. */
  time: number;
  /** First trial sequence number dispatched under it. */
  fromSeq: number;
  validation: ValidationResult;
  /** The decision this one undoes (a rollback), and the decision that undid this one. */
  undoes: number | null;
  undoneBy: number | null;
  source: 'controller' | 'manual' | 'forced';
  /** True when it is sent to the escalation targets (webhook, command). */
  escalate: boolean;
}
