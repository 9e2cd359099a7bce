import { logCheckpoints } from './checkpoints.js';
import type { Environment } from './environments.js';
import { runRepetition, type PolicyEntry } from './runner.js';

/** Everything a simulation needs; plain data, so the same spec always gives the same result. */
export interface SimulationSpec {
  environment: Environment;
  policies: readonly PolicyEntry[];
  horizon: number;
  reps: number;
  seed: number;
  batch?: number;
  /** Points per factor of ten for the default log-spaced checkpoints (default 10). */
  perDecade?: number;
}

/** Mean cumulative regret at time t over the repetitions, and its standard error. */
export interface CurvePoint {
  t: number;
  regretMean: number;
  regretSE: number;
}

export interface PolicyCurve {
  policy: string;
  points: CurvePoint[];
}

/** Version of the result's JSON shape; bumped when a field changes meaning. */
export const SIMULATION_SCHEMA_VERSION = 1;

export interface SimulationResult {
  schemaVersion: typeof SIMULATION_SCHEMA_VERSION;
  environment: { name: string; means: number[] };
  horizon: number;
  reps: number;
  batch: number;
  seed: number;
  curves: PolicyCurve[];
  /** Lai-Robbins regret lower bound at the same times, for stationary arms. */
  lowerBound?: { t: number; regret: number }[];
}

/**
 * Mean and standard error at each checkpoint from the per-repetition curves; the standard error is 0
 * for a single repetition, which has no spread to measure.
 *
 * @example
 * summarise([1, 10], [Float64Array.of(1, 5), Float64Array.of(3, 7)]); // [{ t: 1, regretMean: 2, regretSE: 1 }, ...]
 */
export function summarise(checkpoints: readonly number[], runs: readonly Float64Array[]): CurvePoint[] {
  const reps = runs.length;
  return checkpoints.map((t, j) => {
    let sum = 0;
    for (const run of runs) sum += run[j]!;
    const mean = sum / reps;
    let ss = 0;
    for (const run of runs) ss += (run[j]! - mean) ** 2;
    const se = reps > 1 ? Math.sqrt(ss / (reps - 1) / reps) : 0;
    return { t, regretMean: mean, regretSE: se };
  });
}

/**
 * Runs every policy `reps` times on the environment and summarises cumulative regret at log-spaced
 * checkpoints. `onProgress` is told after each repetition (the CLI shows it; the core stays silent).
 *
 * @example
 * const result = runSimulation({
 *   environment: bernoulliArms([0.5, 0.45, 0.45]),
 *   policies: [{ label: 'thompson', config: { name: 'thompson' } }],
 *   horizon: 10_000, reps: 20, seed: 1,
 * });
 * result.curves[0]?.points.at(-1)?.regretMean;
 */
export function runSimulation(spec: SimulationSpec, onProgress?: (policy: string, rep: number) => void): SimulationResult {
  const { environment, horizon, reps, seed } = spec;
  const batch = spec.batch ?? 1;
  if (!Number.isInteger(reps) || reps < 1) throw new RangeError(`reps ${reps} must be a positive integer`);
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`batch ${batch} must be a positive integer`);
  const checkpoints = logCheckpoints(horizon, spec.perDecade);
  const curves = spec.policies.map(({ label, config }) => {
    const runs: Float64Array[] = [];
    for (let rep = 0; rep < reps; rep++) {
      runs.push(runRepetition(environment, config, { horizon, batch, checkpoints }, seed, rep));
      onProgress?.(label, rep);
    }
    return { policy: label, points: summarise(checkpoints, runs) };
  });
  const bound = environment.lowerBound;
  return {
    schemaVersion: SIMULATION_SCHEMA_VERSION,
    environment: { name: environment.name, means: [...environment.means] },
    horizon,
    reps,
    batch,
    seed,
    curves,
    ...(bound ? { lowerBound: checkpoints.map((t) => ({ t, regret: bound(t) })) } : {}),
  };
}
