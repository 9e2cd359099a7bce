/**
 * Antipatterns of agent workflows, detected from a step's history: pure functions, no clock (the
 * caller passes `now`), so the machine can call them on every transition and tests can pin them.
 */

/** What an escalation says; the escalation hook records it as a `decision` of kind `escalate`. */
export interface Escalation {
  kind: 'thrashing' | 'deadlock' | 'excessive-rework';
  /** The step instance (or `workflow`) concerned. */
  target: string;
  reason: string;
  evidence: Record<string, unknown>;
}

/** One review of an artifact version. */
export interface ReviewRecord {
  round: number;
  score: number;
  passed: boolean;
  /** Hash of the reviewed version (without its review notes). */
  hash: string;
}

/** Flips of the pass/fail verdict at which a review loop is called thrashing. */
export const THRASH_FLIPS = 2;

/**
 * Thrashing: the verdict flips pass -> fail -> pass (or back) at least twice, or the artifact returns to
 * a version it had already been (A -> B -> A), so the loop is going in circles.
 *
 * @example
 * detectThrashing('draft', [{ round: 1, score: 0.9, passed: true, hash: 'a' }, ...]);
 */
export function detectThrashing(target: string, history: readonly ReviewRecord[]): Escalation | null {
  let flips = 0;
  for (let i = 1; i < history.length; i++) if (history[i]!.passed !== history[i - 1]!.passed) flips++;
  if (flips >= THRASH_FLIPS) {
    return {
      kind: 'thrashing', target,
      reason: `the review verdict flipped ${flips} times in ${history.length} rounds`,
      evidence: { verdicts: history.map((h) => (h.passed ? 'pass' : 'fail')), scores: history.map((h) => h.score) },
    };
  }
  for (let i = 2; i < history.length; i++) {
    const earlier = history.slice(0, i - 1).findIndex((h) => h.hash === history[i]!.hash && h.hash !== history[i - 1]!.hash);
    if (earlier >= 0) {
      return {
        kind: 'thrashing', target,
        reason: `round ${history[i]!.round} produced the same artifact as round ${history[earlier]!.round}: it went back and forth`,
        evidence: { hashes: history.map((h) => h.hash.slice(0, 12)), rounds: [history[earlier]!.round, history[i]!.round] },
      };
    }
  }
  return null;
}

/** Rework is excessive beyond max(MIN, FACTOR x the norm) rounds plus retries. */
export const REWORK_FACTOR = 2;
export const REWORK_MIN = 3;
/** The norm when no earlier run measured one: a step usually needs one round and no retry. */
export const DEFAULT_REWORK_NORM = 1;

/**
 * Excessive rework: review rounds, rejections and retries of a step far above its norm (its mean in
 * earlier runs of the workflow, else one).
 *
 * @example
 * detectRework('draft', { rounds: 5, retries: 1 }, 1.2); // escalation: 6 > max(3, 2.4)
 */
export function detectRework(target: string, used: { rounds: number; retries: number }, norm: number | null): Escalation | null {
  const baseline = norm ?? DEFAULT_REWORK_NORM;
  const limit = Math.max(REWORK_MIN, REWORK_FACTOR * baseline);
  const total = used.rounds + used.retries;
  if (total <= limit) return null;
  return {
    kind: 'excessive-rework', target,
    reason: `${total} rounds and retries, above ${limit.toFixed(1)} (${REWORK_FACTOR}x the norm of ${baseline.toFixed(2)}${norm === null ? ', no earlier runs' : ' in earlier runs'})`,
    evidence: { rounds: used.rounds, retries: used.retries, norm: baseline, limit },
  };
}

/**
 * Deadlock of an approval: waiting longer than its timeout. (A workflow where nothing can proceed at
 * all is detected by the machine, which knows what is runnable.)
 *
 * @example
 * detectApprovalTimeout('sign-off', 1_000, 60_000, 100_000); // escalation: waited 99 s, timeout 60 s
 */
export function detectApprovalTimeout(target: string, requestedAt: number, timeoutMs: number | null, now: number): Escalation | null {
  if (timeoutMs === null || now - requestedAt <= timeoutMs) return null;
  return {
    kind: 'deadlock', target,
    reason: `approval waiting for ${Math.round((now - requestedAt) / 1000)}s, past its timeout of ${Math.round(timeoutMs / 1000)}s`,
    evidence: { requestedAt, timeoutMs, waitedMs: now - requestedAt },
  };
}
