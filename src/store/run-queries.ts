import type { Experiment } from '../config/experiment.js';
import type { TaskList } from '../tasks/task-list.js';
import type { DecisionRecord, TrialBrief, TrialDetail, TrialFacts, TrialFilter, TrialPage } from './read-records.js';
import type { DecisionRecord as LoggedDecision, ErrorGroup, EventRecord, RunListing, RunRecord, RunStats, TrialRecord, VariantSums } from './records.js';

/** A half-open range of seqs: `from <= seq < to`. */
export interface SeqRange {
  from: number;
  to: number;
}

/** Which events `eventsAfter` returns. */
export interface EventQuery {
  /** One run's events; all runs' when absent. */
  runId?: string;
  /** At most this many (default 1000). */
  limit?: number;
  /** Only events with seq <= upTo. */
  upTo?: number;
  /** Only these types. */
  types?: readonly string[];
}

/**
 * The read side of the store: everything reports, `runs`, `compare` and the dashboard read, as the
 * write side is `Store`. Each query is bounded or streams (iterables), so memory does not grow with a
 * run's size. SqliteRunQueries implements it; a second store (Postgres) implements it too and must
 * pass `describeRunQueriesContract` (run-queries-contract.test-utils.ts).
 *
 * @example
 * const queries = SqliteRunQueries.open('.metaorch/metaorch.db');
 * const run = queries.getRun(queries.resolveRunId('latest'));
 */
export interface RunQueries extends RunReads, StatReads, TrialReads, EventReads {
  /** Runs `read` with every query in it seeing the store as it was at one moment (and returns its result). */
  snapshot<T>(read: () => T): T;
  close(): void;
}

/** Runs: records, references, listings, configs, tasks. */
export interface RunReads {
  getRun(id: string): RunRecord | undefined;
  /** A run id from an exact id, a unique prefix, or `latest`; throws listing known runs otherwise. */
  resolveRunId(ref: string): string;
  /** Every run's record, newest first (no counts: cheap at any size). */
  runs(): RunRecord[];
  /** Every run, newest first, with its counts (from saved totals when it has them, else a count). */
  listRuns(): RunListing[];
  /** The experiment as validated when the run was created, without its tasks. */
  runConfig(id: string): Omit<Experiment, 'tasks'>;
  /** The run's variants in the experiment's order. */
  variants(id: string): { id: string; adapter: string }[];
  /** The run's tasks in order, read as they are asked for (never all held). */
  tasks(id: string): TaskList;
}

/** Statistics: saved totals, aggregates, and the few per-trial values percentiles and the lead need. */
export interface StatReads {
  /** The totals saved when the run ended; null while it runs, after a crash, or for older runs. */
  savedStats(id: string): RunStats | null;
  /** Finished and errored trials and their cost (a count over the run). */
  runTotals(id: string): { finished: number; errors: number; cost: number };
  /** One past the highest seq the run has a row for: its size (from the key, cheap). */
  trialSpan(id: string): number;
  /** Trials scheduled and not finished (from the index of unfinished trials, cheap). */
  inflightCount(id: string): number;
  /** Sums per variant over finished trials (of a seq range), by aggregate queries. */
  variantSums(id: string, range?: SeqRange): VariantSums[];
  /** Errored trials grouped by variant, kind and message, most frequent first (at most `limit` groups). */
  errorGroups(id: string, limit: number): ErrorGroup[];
  /** [variant, seq, ms] of successful trials (of a seq range) whose seqHash is below `threshold` (2^32: all). */
  latencies(id: string, threshold: number, range?: SeqRange): Iterable<[string, number, number]>;
  /** [variant, seq, score] of scored successful trials in seq order; stop iterating when done. */
  scores(id: string): Iterable<[string, number, number]>;
  /** One variant's first `limit` scores of successful trials, in seq order. */
  scoreSequence(id: string, variantId: string, limit: number): number[];
  /** Mean score per (variant, task) over successful scored trials. */
  taskScores(id: string): { variantId: string; taskId: string; score: number }[];
}

/** Trials: streamed records, pages, briefs, one in full, facts for live statistics. */
export interface TrialReads {
  /** A run's trials in seq order, streamed; prompts not stored are rendered when asked. */
  trials(id: string, options?: { prompts?: boolean }): Iterable<TrialRecord>;
  trial(id: string, seq: number): TrialRecord | undefined;
  trialPage(id: string, filter: TrialFilter): TrialPage;
  /** Finished trials among `seqs` (the newest `limit`), newest first. */
  trialBriefs(id: string, seqs: readonly number[], limit: number): TrialBrief[];
  /** The finished trials with the highest seqs, newest first. */
  recentTrials(id: string, limit: number): TrialBrief[];
  /** Trials in flight, newest first. */
  inflightTrials(id: string, limit: number): TrialBrief[];
  trialDetail(id: string, seq: number): TrialDetail | undefined;
  /** The numbers of the finished trials among `seqs`, in seq order. */
  trialFacts(id: string, seqs: readonly number[]): TrialFacts[];
}

/** The append-only event sequence, and decisions. */
export interface EventReads {
  /** Events after `after` (exclusive), ascending. */
  eventsAfter(after: number, query?: EventQuery): EventRecord[];
  /** The last event's seq (of one run, or of all), 0 when none. */
  lastEventSeq(runId?: string): number;
  /** The run's latest event of a type. */
  latestEvent(runId: string, type: string): EventRecord | undefined;
  /** Controller decisions, newest first: events of decision types, and rows of a `decisions` table when there is one. */
  decisions(runId: string, limit: number): DecisionRecord[];
  /** The controller's decision log of a run (kinds, evidence, validation, what undid what), oldest first. */
  decisionLog(runId: string): LoggedDecision[];
  /** The latest snapshot of the controller's metric windows of every run that has one. */
  controllerMetrics(): { runId: string; time: number; snapshot: unknown }[];
  /** Events of one type from every workflow run named `name` except `exceptRun`, oldest first. */
  workflowEvents(name: string, type: string, exceptRun: string): EventRecord[];
}
