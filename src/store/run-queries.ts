import type { Experiment } from '../config/experiment.js';
import type { Task } from '../model/task.js';
import type { EventRecord, RunListing, RunRecord, RunStats, TrialRecord, VariantSums } from './records.js';

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
export interface RunQueries {
  getRun(id: string): RunRecord | undefined;
  /** A run id from an exact id, a unique prefix, or `latest`; throws listing known runs otherwise. */
  resolveRunId(ref: string): string;
  /** Every run, newest first, with its counts (from saved totals when it has them). */
  listRuns(): RunListing[];
  /** The experiment as validated when the run was created, without its tasks. */
  runConfig(id: string): Omit<Experiment, 'tasks'>;
  /** The run's tasks in order, streamed. */
  tasks(id: string): Iterable<Task>;

  /** The totals saved when the run ended; null while it runs, after a crash, or for older runs. */
  savedStats(id: string): RunStats | null;
  /** Sums per variant over finished trials (of a seq range), by aggregate queries. */
  variantSums(id: string, range?: SeqRange): VariantSums[];
  /** [variant, seq, ms] of successful trials whose seqHash is below `threshold` (2^32: all). */
  latencies(id: string, threshold: number): Iterable<[string, number, number]>;
  /** [variant, seq, score] of scored successful trials in seq order; stop iterating when done. */
  scores(id: string): Iterable<[string, number, number]>;

  /** A run's trials in seq order, streamed; prompts not stored are rendered when asked. */
  trials(id: string, options?: { prompts?: boolean }): Iterable<TrialRecord>;
  trial(id: string, seq: number): TrialRecord | undefined;

  /** Events after `after` (exclusive), ascending. */
  eventsAfter(after: number, query?: EventQuery): EventRecord[];
  /** The last event's seq (of one run, or of all), 0 when none. */
  lastEventSeq(runId?: string): number;
  close(): void;
}
