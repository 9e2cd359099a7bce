/**
 * meta-orchestrator's programmatic API: define variants, load and run experiments, read reports.
 *
 * @example
 * import { loadExperiment, startRun, SqliteStore } from 'meta-orchestrator';
 */
export { defineVariant } from './config/variants.js';
export { loadExperiment } from './config/load.js';
export type { Experiment, VariantSpec, ScorerSpec } from './config/experiment.js';
export { startRun, resumeRun, type RunOptions, type RunResult } from './engine/run.js';
export { runTrial } from './engine/run-trial.js';
export { buildRuntime } from './engine/runtime.js';
export type { Executor, ExecutorContext, ExecutorFactory, RunObserver, Scheduler } from './engine/types.js';
export { createExecutor } from './executors/registry.js';
export type { ExecutorConfig } from './config/executor.js';
export { SqliteStore } from './store/sqlite-store.js';
export type { Store, TrialSink, RunPatch } from './store/store.js';
export { SqliteRunQueries } from './store/sqlite-run-queries.js';
export type { RunQueries } from './store/run-queries.js';
export { computeReport, type RunReport, type VariantReport } from './report/compute.js';
export { createRandom, hashSeed, type Random } from './model/random.js';
export * from './model/errors.js';
export type { Task } from './model/task.js';
export type { TrialSpec, TrialOutcome } from './model/trial.js';
export type { Adapter, AdapterRequest, AdapterResponse } from './adapters/types.js';
export { createMockAdapter } from './adapters/mock.js';
export type { ModuleFunction, ModuleCallContext } from './adapters/module.js';
export type { ScoreFunction } from './scoring/javascript.js';
export { equals, contains, regex } from './scoring/text.js';
export { createController, transition, steeringFor, controllerSchema, defaultControllerConfig, createEscalator, summariseDecisions } from './controller/index.js';
export type { ControllerConfig, ControllerEvent, ControllerAction, ControllerState, Decision, Evidence, Escalator, EscalationPayload, EscalationResult } from './controller/index.js';
export type { ControllerLog } from './store/controller-log.js';
export { steer, type Steering } from './policies/steer.js';
export { cycledTasks, type TaskSource, type TaskPick } from './engine/task-source.js';
