import type { Adapter } from '../adapters/types.js';
import type { Task } from '../model/task.js';

export interface ScoreInput {
  output: string;
  task: Task;
  prompt: string;
  signal: AbortSignal;
}

export interface ScoreValue {
  /** In [0, 1]. */
  score: number;
  reason: string;
}

/**
 * Output -> score in [0,1] with a reason. Synchronous scorers return a value, others a promise; the
 * combination stays synchronous when every scorer is, which keeps instant trials cheap.
 *
 * @example
 * const s = equals({ ignoreCase: true });
 * s.score({ output: 'paris', task, prompt, signal }); // { score: 1, reason: 'equals expected' }
 */
export interface Scorer {
  readonly name: string;
  score(input: ScoreInput): ScoreValue | Promise<ScoreValue>;
  /** Loads what the first score would (a user's module, a judge's SDK); a failure is left for the first score. */
  warm?(): Promise<void>;
}

/** What a scorer factory may need from the run: where files are, and how to call a judge. */
export interface ScorerContext {
  baseDir: string;
  /** Builds the adapter of an inline judge variant (already validated). */
  createJudgeAdapter(variant: Record<string, unknown>): Adapter;
  judgeTimeoutMs: number;
}

export class ScorerFailure extends Error {
  constructor(scorer: string, message: string, options?: { cause?: unknown }) {
    super(`${scorer}: ${message}`, options);
    this.name = 'ScorerFailure';
  }
}
