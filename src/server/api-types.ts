/** The anytime-valid check of the lead and the variant row are the report's own types, so both always agree. */
import type { WorkflowView } from '../workflows/view.js';
import type { VariantReport } from '../report/compute.js';
import type { LeaderCheck } from '../report/leader.js';
import type { TopError } from '../report/top-errors.js';
import type { WinnerVerdict } from '../report/winner.js';
import type { RunComparison } from '../compare/types.js';
import type { TrialBrief, TrialDetail, TrialPage } from '../store/read-records.js';
import type { DecisionSummary } from '../report/decisions.js';
import type { TopicStatistics } from '../topic/statistics.js';

export type { LeaderCheck, TopError, TrialBrief, TrialDetail, TrialPage, WinnerVerdict };
/**
 * The JSON shapes of the dashboard API, shared by the server and the browser (types only: this file
 * imports nothing, so the dashboard's own tsconfig can check it with DOM libraries).
 */

/** `running` whose process is gone is shown as `killed` (resumable). */
export type DisplayStatus = 'running' | 'completed' | 'failed' | 'interrupted' | 'killed';

/** A run as the Runs page lists it. */
export interface RunRow {
  id: string;
  name: string;
  mode: string;
  status: DisplayStatus;
  stopReason: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  activeMs: number;
  planned: number | null;
  /** Finished trials (ok + errors). */
  finished: number;
  errors: number;
  /** Null until the run's statistics are computed (large runs, first look). */
  cost: number | null;
  best: { id: string; meanScore: number | null } | null;
  /** Whether the winner is known, by the report's rule and in its words; null until computed. */
  winner: { id: string | null; known: boolean; text: string } | null;
  /** True while the statistics of a large run are being computed in the background. */
  statsPending: boolean;
  source: string;
}

export interface RunListResponse {
  runs: RunRow[];
  /** Runs matching the filters, before `limit`. */
  total: number;
}

/** Budget limits of a run, as configured (`time` in ms). */
export interface BudgetLimits {
  trials?: number;
  cost?: number;
  time?: number;
}

/** Run progress shown in the live header. */
export interface RunProgress extends RunRow {
  budget: BudgetLimits;
  /** Trials in flight now (0 when the run is not running). */
  inFlight: number;
  /** Trials per second over the last few seconds of finished trials; null when unknown. */
  rate: number | null;
  /** Milliseconds until the planned or budgeted trials are done at the current rate; null when unknown. */
  etaMs: number | null;
  /** Elapsed active time, ms (live while running). */
  elapsedMs: number;
}

/**
 * Per-variant statistics: the centre of the live page. The report's variant row (same rules as
 * `metaorch report`) with what the live page adds.
 */
export interface VariantStats extends Omit<VariantReport, 'share' | 'meanReward' | 'probBest' | 'cached'> {
  /** True when the latency percentiles come from a systematic sample (very large variants). */
  latencySampled: boolean;
  /** Probability of being the best variant, from the adaptive policy's latest snapshot. */
  probBest: number | null;
  /** The policy's current chance of choosing this variant next. */
  allocation: number | null;
}

export interface BestVariant {
  id: string;
  meanScore: number | null;
  reason: string;
}

/** The latest adaptive policy snapshot (`policy` events), per variant id. */
export interface PolicyState {
  seq: number;
  ts: number;
  finished: number | null;
  probBest: Record<string, number> | null;
  probabilities: Record<string, number> | null;
  weights: Record<string, number> | null;
}

/** `GET /api/runs/:id/summary`: the variant table, cheap to answer at any size. */
export interface RunSummary {
  /** The event sequence number this summary is up to date with. */
  seq: number;
  run: RunProgress;
  variants: VariantStats[];
  best: BestVariant | null;
  /**
   * Null with fewer than two scored variants. Computed on each variant's first 100,000 scores, as the
   * report's. While a run is running it may lag by about a second.
   */
  leader: LeaderCheck | null;
  /** Whether the winner is known: the same rule and words as `metaorch report` and `run`'s last line. */
  winner: WinnerVerdict;
  /** The most frequent error messages, with a hint where the cause is a known one. */
  topErrors: TopError[];
  otherErrors: number;
  policy: PolicyState | null;
  intervals: { meanScore: string; passRate: string; latency: string; leader: string };
}

/** A downsampled series over trial order (bucketed by seq), one entry per variant. */
export interface SeriesResponse {
  seq: number;
  /** Trials per bucket. */
  bucketSize: number;
  /** x: the seq at the end of each bucket. */
  x: number[];
  variants: {
    id: string;
    /** Cumulative mean score up to the bucket, with its 95% interval. */
    mean: (number | null)[];
    low: (number | null)[];
    high: (number | null)[];
    /** The variant's share of the bucket's finished trials. */
    share: number[];
    /** Mean latency of the bucket's successful trials, ms. */
    latency: (number | null)[];
  }[];
}

/** `GET /api/runs/:id/live`: everything the live page shows on load. */
export interface LiveSnapshot extends RunSummary {
  series: SeriesResponse;
  inflight: TrialBrief[];
  recent: TrialBrief[];
  /** The run as configured: `${ENV}` references stay references. */
  config: Record<string, unknown>;
  launchedHere: boolean;
  decisions: DecisionsResponse;
}

export interface EventItem {
  seq: number;
  runId: string;
  ts: number;
  type: string;
  data: unknown;
}

export interface EventsResponse {
  events: EventItem[];
  /** Pass as `after` for the next page; null when caught up. */
  next: number | null;
}

export interface Decision {
  /** The decision's id for controller decisions, the event's seq for a stopping decision. */
  seq: number;
  ts: number;
  kind: string;
  summary: string;
  /** The whole record: for a controller decision, its evidence, change, validation and delivery. */
  data: unknown;
  /** Controller decisions only: */
  id?: number;
  /** Finished trials of the run when it was taken: its place on the charts' axis. */
  atTrial?: number;
  target?: string;
  source?: string;
  validation?: string;
  undoneBy?: number | null;
}

export interface DecisionsResponse {
  decisions: Decision[];
  /** Says where decisions come from, or why there are none. */
  note: string;
  /** Counts by kind and the validated share (runs with a controller). */
  summary?: DecisionSummary | null;
}

export interface LogLine {
  n: number;
  ts: number;
  stream: 'stdout' | 'stderr' | 'server';
  text: string;
}

export interface LogResponse {
  launchedHere: boolean;
  lines: LogLine[];
}

/** One message of the live stream (`event: batch`); the SSE id is `seq`. */
export interface StreamBatch {
  seq: number;
  events: EventItem[];
  /** Finished trials of this batch's `trials` events (the newest 50), for the live feed. */
  trials: TrialBrief[];
  /** For a run stream: the variant table after this batch. */
  summary: RunSummary | null;
  log: LogLine[];
}

/** Sent instead of a replay when a reconnecting client is too far behind: reload the snapshot. */
export interface StreamReset {
  seq: number;
  reason: string;
}

export interface ConfigIssueItem {
  file: string;
  path: string;
  message: string;
  line?: number;
  column?: number;
}

export interface ValidateResponse {
  ok: boolean;
  issues: ConfigIssueItem[];
  experiment: { name: string; mode: string; variants: string[]; tasks: number; planned: number | null } | null;
  /** The equivalent command line, relative to the project folder. */
  command: string;
  /** Where pasted YAML was written (project-relative). */
  file: string | null;
}

export interface LaunchResponse {
  runId: string;
  pid: number;
  command: string;
}

export interface StopResponse {
  runId: string;
  pid: number;
  how: 'child' | 'pid';
  /** 'stopping' after the first request (in-flight trials finish), 'cancelling' after another. */
  state: 'stopping' | 'cancelling';
  message: string;
}

export interface ProjectFile {
  path: string;
  size: number;
  mtime: number;
}

export interface FilesResponse {
  root: string;
  files: ProjectFile[];
}

export interface SessionResponse {
  version: string;
  project: string;
  db: string;
  /** True when the request carried the right token. */
  authorized: boolean;
}

export interface TaskChange {
  taskId: string;
  variant: string;
  base: number;
  cand: number;
  diff: number;
}

/** The comparison `metaorch compare --format json` prints (the same object). */
export type CompareDoc = RunComparison;

export interface CompareResponse {
  base: RunRow;
  cand: RunRow;
  /** The `metaorch compare` result, or null when it could not be computed (see `error`). */
  comparison: CompareDoc | null;
  error: string | null;
  tasks: { changed: TaskChange[]; improved: number; regressed: number; unchanged: number; onlyBase: number; onlyCand: number };
}

export interface ApiError {
  error: { code: string; message: string; issues?: ConfigIssueItem[] };
}

/** `GET /api/workflows/RUN`: the phase tree of a workflow run (see src/workflows/view.ts). */
export type WorkflowResponse = WorkflowView & {
  /** The run's status in the store (an awaiting-approval workflow is `interrupted` there). */
  runStatus: string;
  /** A workflow process is executing it now (it applies answers itself). */
  processAlive: boolean;
  launchedHere: boolean;
};

/** `POST* /api/workflows/RUN/approvals/INSTANCE`: the answer recorded, and who applies it. */
export interface ApprovalResponse {
  instance: string;
  decision: 'approve' | 'reject';
  note: string | null;
  /** `running`: the workflow process applies it; `resumed`: a `metaorch workflow resume` was started. */
  appliedBy: 'running' | 'resumed';
  pid: number | null;
}

/** One child process of `metaorch orchestrator`. */
export interface ProcessRow {
  id: string;
  /** `producer` or `web`. */
  role: string;
  pid: number | null;
  state: 'starting' | 'ready' | 'backoff' | 'stopping' | 'stopped';
  restarts: number;
  /** Trials run (producers) or requests served (web), across restarts. */
  done: number;
  /** Resident memory, bytes (null before its first heartbeat). */
  rss: number | null;
  startedAt: number | null;
  lastExit: { code: number | null; signal: string | null; at: number; killedFor: string | null } | null;
}

/** `GET /api/processes`: the orchestrator and its children; `orchestrator` is null for a stand-alone `metaorch serve`. */
export interface ProcessesResponse {
  orchestrator: { pid: number; startedAt: number; runs: string[] } | null;
  processes: ProcessRow[];
  /** This web server process. */
  server: { pid: number; rss: number };
}

/** `GET /api/runs/:id/topic`: a topic run's statistics (src/topic/statistics.ts). */
export type TopicStatsResponse = TopicStatistics & { runId: string; topic: string };
