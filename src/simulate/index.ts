/**
 * The policy simulator: bandit environments, a seeded runner that measures cumulative regret at
 * log-spaced checkpoints over repetitions, the Lai-Robbins bound, best-arm identification, and
 * table / CSV / JSON / SVG output. Pure: the CLI does the writing.
 */
export { bernoulliArms, gaussianArms, laiRobbins } from './environments.js';
export type { Bandit, Environment } from './environments.js';
export { drifting } from './drifting.js';
export { logCheckpoints } from './checkpoints.js';
export { runRepetition } from './runner.js';
export type { PolicyEntry, RunSettings } from './runner.js';
export { runSimulation, summarise, SIMULATION_SCHEMA_VERSION } from './simulation.js';
export type { CurvePoint, PolicyCurve, SimulationResult, SimulationSpec } from './simulation.js';
export { identifyBest } from './identify.js';
export type { IdentifyInput, IdentifyResult } from './identify.js';
export { formatCsv, formatJson, formatTable } from './format.js';
export { plotRegret } from './plot.js';
