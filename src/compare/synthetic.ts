/**
 * Seeded synthetic runs whose truth is known: each variant has a true mean quality, tasks differ in
 * difficulty, trials are drawn around them. A test double for `compareRuns` (calibration, tests, and
 * exported files for end-to-end tests); no store, no clock.
 */
import type { Experiment } from '../config/experiment.js';
import { createRandom, hashSeed } from '../model/random.js';
import type { Random } from '../model/random.js';
import type { Task } from '../model/task.js';
import { TRIAL_SCHEMA_VERSION } from '../model/trial.js';
import { EXPORT_KIND } from '../report/run-data.js';
import type { RunExport } from '../report/run-data.js';
import type { RunData, RunRecord, TrialRecord } from '../store/records.js';

export interface SyntheticVariant {
  id: string;
  /** True mean score (graded) or pass probability (binary) over tasks, in [0, 1]. */
  quality: number;
  /** Mean latency in ms (log-normal, σ = 0.3). Default 100. */
  latencyMs?: number;
  /** Dollars per trial, ±20% by task. Default 0.001. */
  cost?: number;
  /** Probability that a trial errors (no score). Default 0. */
  errorRate?: number;
}

export interface SyntheticRunOptions {
  id: string;
  seed: number;
  variants: readonly SyntheticVariant[];
  /** Number of tasks, default 100. */
  tasks?: number;
  repeats?: number;
  /** Task ids are `${taskPrefix}${i}`. Runs with the same prefix and taskSeed share tasks (and pair). Default 't'. */
  taskPrefix?: string;
  /** Seed of the tasks' difficulties. Default 1. */
  taskSeed?: number;
  /** 'binary': each trial scores 0 or 1; 'graded': the mean of 4 checks (0, 0.25, ..., 1). Default 'binary'. */
  scores?: 'binary' | 'graded';
  /** Task difficulty: a task's quality is the variant's ± up to this much (uniform). Default 0.2. */
  spread?: number;
}

const THRESHOLD = 0.5;

/**
 * A synthetic grid run: every variant on every task `repeats` times.
 *
 * @example
 * const base = syntheticRun({ id: 'base', seed: 1, tasks: 500, variants: [{ id: 'a', quality: 0.8 }] });
 * const cand = syntheticRun({ id: 'cand', seed: 2, tasks: 500, variants: [{ id: 'a', quality: 0.7 }] });
 * compareRuns(base, cand).regressions; // 1 (almost surely)
 */
export function syntheticRun(options: SyntheticRunOptions): RunData & { trials(): TrialRecord[] } {
  const { id, seed, variants, tasks: nTasks = 100, repeats = 1, taskPrefix = 't', taskSeed = 1, scores = 'binary', spread = 0.2 } = options;
  const difficulty = createRandom(hashSeed('synthetic-tasks', taskSeed, taskPrefix));
  const tasks = Array.from({ length: nTasks }, (_, i) => ({ id: `${taskPrefix}${i}`, shift: (difficulty.next() * 2 - 1) * spread, size: 0.8 + 0.4 * difficulty.next() }));
  const trials: TrialRecord[] = [];
  for (const v of variants) {
    const rng = createRandom(hashSeed('synthetic-trials', seed, v.id));
    tasks.forEach((task, taskIdx) => {
      const p = Math.min(1, Math.max(0, v.quality + task.shift));
      for (let repeat = 0; repeat < repeats; repeat++) trials.push(trial(trials.length, v, task, taskIdx, repeat, p, scores, rng));
    });
  }
  const run: RunRecord = {
    id, name: 'synthetic', mode: 'grid', status: 'completed', seed, planned: trials.length, createdAt: 0, startedAt: 0,
    finishedAt: 0, activeMs: 0, stopReason: 'done', pid: null, error: null, source: '<synthetic>',
  };
  const taskList: Task[] = tasks.map((t) => ({ id: t.id, input: {} }));
  const experiment = {
    name: 'synthetic', mode: 'grid', seed, repeats, concurrency: 1, timeoutMs: 60_000, retries: 0, threshold: THRESHOLD,
    budget: {}, snapshotEvery: 25, scorers: [], baseDir: '', source: '<synthetic>',
    variants: variants.map((v) => ({ id: v.id, adapter: 'mock', options: { accuracy: v.quality } })),
  } satisfies Partial<Experiment> as unknown as Omit<Experiment, 'tasks'>;
  return { run, experiment, tasks: () => taskList, trials: () => trials };
}

function trial(
  seq: number, v: SyntheticVariant, task: { id: string; size: number }, taskIdx: number, repeat: number,
  p: number, scores: 'binary' | 'graded', rng: Random,
): TrialRecord {
  const latencyMs = (v.latencyMs ?? 100) * Math.exp(0.3 * rng.normal() - 0.045);
  const cost = (v.cost ?? 0.001) * task.size;
  const errored = (v.errorRate ?? 0) > 0 && rng.next() < (v.errorRate ?? 0);
  let score: number | null = null;
  if (!errored) {
    const checks = scores === 'binary' ? 1 : 4;
    let hits = 0;
    for (let k = 0; k < checks; k++) if (rng.next() < p) hits++;
    score = hits / checks;
  }
  return {
    seq, variantId: v.id, taskIdx, taskId: task.id, repeat, seed: 0, status: errored ? 'error' : 'ok',
    prompt: null, output: null, score, passed: score === null ? null : score >= THRESHOLD, scores: [],
    attempts: [{ n: 1, latencyMs }], latencyMs, tokensIn: 0, tokensOut: 0, cost,
    errorKind: errored ? 'server' : null, error: errored ? 'synthetic failure' : null,
    scheduledAt: 0, startedAt: 0, finishedAt: 0, reward: score,
  };
}

/**
 * The exported-run document of a synthetic run, as `metaorch export` writes it.
 *
 * @example
 * writeFileSync('base.json', JSON.stringify(toRunExport(syntheticRun({ ... }))));
 */
export function toRunExport(data: RunData): RunExport {
  return {
    schemaVersion: TRIAL_SCHEMA_VERSION, kind: EXPORT_KIND, exportedAt: new Date(0).toISOString(),
    run: data.run, experiment: data.experiment, tasks: [...data.tasks()], trials: [...data.trials()],
  };
}
