/**
 * What the read side returns besides runs and full trial records (records.ts): a trial without its
 * large fields, pages of them, one trial in full with its task, and the facts of finished trials that
 * incremental statistics are fed. The dashboard API returns these shapes as they are.
 */

/** A trial without its large fields: the feed, the trials table, the timeline. */
export interface TrialBrief {
  seq: number;
  variantId: string;
  taskId: string;
  status: 'ok' | 'error' | 'scheduled';
  score: number | null;
  passed: boolean | null;
  latencyMs: number | null;
  /** null: unknown (not reported by the agent). */
  cost: number | null;
  attempts: number;
  errorKind: string | null;
  /** First 160 characters of the output, as text. */
  outputPreview: string | null;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface TrialPage {
  trials: TrialBrief[];
  /** Cursor for the next (older when order=desc) page: pass as `before` (desc) or `after` (asc). */
  next: number | null;
  /** Matching trials in all, when cheap to know (no text or score filter); else null. */
  total: number | null;
}

/** Which trials a page holds. */
export interface TrialFilter {
  variant?: string;
  status?: 'ok' | 'error' | 'scheduled';
  minScore?: number;
  maxScore?: number;
  /** Text in the task id, the output, the task input or the error. */
  q?: string;
  before?: number;
  after?: number;
  order: 'asc' | 'desc';
  limit: number;
}

export interface TrialDetail {
  seq: number;
  variantId: string;
  status: 'ok' | 'error' | 'scheduled';
  repeat: number;
  seed: number;
  task: { id: string; input: unknown; expected: unknown; metadata: unknown };
  prompt: string | null;
  output: string | null;
  score: number | null;
  passed: boolean | null;
  scores: { scorer: string; score: number; weight: number; reason: string }[];
  attempts: { n: number; latencyMs: number; error?: { kind: string; message: string; status?: number; retryable: boolean } }[];
  latencyMs: number | null;
  /** null: not reported by the agent (unknown, not zero). */
  tokensIn: number | null;
  tokensOut: number | null;
  cost: number | null;
  reward: number | null;
  errorKind: string | null;
  error: string | null;
  scheduledAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/** The numbers of one finished trial that statistics sum (live dashboard updates). */
export interface TrialFacts {
  seq: number;
  variantId: string;
  status: 'ok' | 'error';
  score: number | null;
  passed: boolean | null;
  latencyMs: number | null;
  /** null: unknown (not reported). */
  cost: number | null;
  tokensIn: number | null;
  tokensOut: number | null;
  attempts: number;
  errorKind: string | null;
  reward: number | null;
}

/** A controller decision as recorded: an event of a decision type, or a row of a `decisions` table. */
export interface DecisionRecord {
  seq: number;
  ts: number;
  kind: string;
  data: unknown;
}
