/**
 * One pass over a run's trials into per-variant samples of each metric, keyed by task id so the
 * statistics can pair the two runs task by task.
 */
import type { Observation } from '../stats/index.js';
import type { RunData } from '../store/records.js';
import { METRICS } from './metrics.js';
import type { MetricName } from './metrics.js';

/** What one variant of one run contributes to a comparison. */
export interface VariantSamples {
  /** Task ids of all the variant's trials, finished or not: the design the run had. */
  tasks: Set<string>;
  /** Finished trials (ok + errors). */
  finished: number;
  /** Per metric, one observation per trial that counts for it. */
  values: Map<MetricName, Observation[]>;
}

/**
 * Per-variant samples of the given metrics, variants in declaration order (then any that only
 * appear in trials).
 *
 * @example
 * const samples = collectSamples(runData, ['score', 'latency']);
 * samples.get('careful')?.values.get('score'); // [{ taskId: 'france', value: 1 }, ...]
 */
export function collectSamples(data: RunData, metrics: readonly MetricName[]): Map<string, VariantSamples> {
  const byVariant = new Map<string, VariantSamples>();
  const create = (): VariantSamples => ({ tasks: new Set(), finished: 0, values: new Map(metrics.map((m) => [m, []])) });
  for (const v of data.experiment.variants) byVariant.set(v.id, create());
  const defs = metrics.map((m) => METRICS[m]);
  for (const trial of data.trials()) {
    let samples = byVariant.get(trial.variantId);
    if (!samples) byVariant.set(trial.variantId, (samples = create()));
    samples.tasks.add(trial.taskId);
    if (trial.status === 'scheduled') continue;
    samples.finished++;
    for (const def of defs) {
      const value = def.value(trial);
      if (value !== null && Number.isFinite(value)) samples.values.get(def.name)?.push({ taskId: trial.taskId, value });
    }
  }
  return byVariant;
}

/** How two variants' task sets relate: paired tests need the same tasks on both sides. */
export interface TaskOverlap {
  shared: number;
  onlyBase: number;
  onlyCand: number;
}

/**
 * @example
 * taskOverlap(new Set(['a', 'b']), new Set(['b', 'c'])); // { shared: 1, onlyBase: 1, onlyCand: 1 }
 */
export function taskOverlap(base: ReadonlySet<string>, cand: ReadonlySet<string>): TaskOverlap {
  let shared = 0;
  for (const id of base) if (cand.has(id)) shared++;
  return { shared, onlyBase: base.size - shared, onlyCand: cand.size - shared };
}
