import type { ControllerConfig } from '../controller/config.js';
import type { TaskList } from '../tasks/task-list.js';
import type { TopicConfig } from '../topic/config.js';
import type { ExecutorConfig } from './executor.js';
import type { Budget, Cost, Objective, StopRule } from './schema.js';

/** A validated variant. `options` are the adapter's own fields as written: `${ENV}` references intact. */
export interface VariantSpec {
  id: string;
  adapter: string;
  prompt?: string;
  system?: string;
  cost?: Cost;
  timeoutMs?: number;
  retries?: number;
  maxConcurrency?: number;
  rateLimit?: number;
  options: Record<string, unknown>;
}

/** A validated scorer entry; `options` are its own fields as written. */
export interface ScorerSpec {
  type: string;
  weight: number;
  options: Record<string, unknown>;
}

/**
 * A fully validated experiment: what a run executes. It is plain data (stored with the run, so resume
 * does not depend on the file still being the same); files it references are absolute paths.
 */
export interface Experiment {
  name: string;
  description?: string;
  /** `workflow`: a Markdown workflow's run (its trials are agent calls of steps; see src/workflows). */
  mode: 'grid' | 'adaptive' | 'continuous' | 'workflow';
  seed: number;
  repeats: number;
  concurrency: number;
  timeoutMs: number;
  retries: number;
  threshold: number;
  prompt?: string;
  system?: string;
  budget: Budget;
  /** Adaptive mode: the policy config (name + options), validated. */
  policy?: { name: string; [option: string]: unknown };
  objective: Objective;
  stop?: StopRule;
  snapshotEvery: number;
  /** Reuse answers from the response cache (asked in the file; `run --cache/--no-cache` overrides). */
  cache?: boolean;
  /** Where trials run; absent means inline (in the run process). */
  executor?: ExecutorConfig;
  /**
   * The meta-controller's settings, validated with every default filled in (durations in ms): stored
   * with the run as is and never parsed again. Absent when the controller is off.
   */
  controller?: ControllerConfig;
  /**
   * Topic mode (a `mode: continuous` run): each trial asks a variant for new items about the topic;
   * the master deduplicates them and appends the new ones to `output/<slug>/output.txt` (src/topic).
   * `output` is absolute once validated.
   */
  topic?: TopicConfig;
  variants: VariantSpec[];
  scorers: ScorerSpec[];
  /** Scorers a task carries itself (`scorers:` in the task), added to `scorers` for that task; by task id. */
  taskScorers?: Record<string, ScorerSpec[]>;
  /** In memory (an array) for small datasets, read as iterated for large files (see TaskList). */
  tasks: TaskList;
  /** Folder that relative paths in options resolve against. */
  baseDir: string;
  /** The experiment file, absolute; '<inline>' when built in code. */
  source: string;
}

/** Version of the stored experiment shape. */
export const EXPERIMENT_SCHEMA_VERSION = 1;
