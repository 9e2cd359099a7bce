/**
 * Starting and resuming workflow runs: the run is created in the store (its runtimes are the run's
 * variants, its step instances the tasks, each agent call a trial), the compiled plan is stored with
 * it, and the state lives in `.metaorch/workflows/RUN/state.json` beside the store.
 */
import { randomInt } from 'node:crypto';
import { resolve } from 'node:path';
import type { Experiment } from '../config/experiment.js';
import { newRunId } from '../engine/run-id.js';
import { MetaorchError } from '../model/errors.js';
import type { Store } from '../store/store.js';
import type { RunQueries } from '../store/run-queries.js';
import type { EscalationHook } from './escalation.js';
import { initialState } from './machine/index.js';
import type { WorkflowPlan } from './model.js';
import { WorkflowShell, runStatusOf, type WorkflowObserver } from './shell/runner.js';
import { contextFromHistory, readInputs, readKnowledge, voteHistory } from './shell/sources.js';
import { loadState, saveState, workflowDir } from './shell/state-file.js';
import type { WorkflowState } from './state.js';

/** A workflow run's experiment: its runtimes as variants, no tasks up front, and the plan it runs. */
export type WorkflowExperiment = Experiment & { mode: 'workflow'; workflow: WorkflowPlan };

export interface WorkflowRunOptions {
  store: Store;
  /** The store's file: the workflow folder sits beside it. */
  dbPath: string;
  env?: NodeJS.ProcessEnv;
  observer?: WorkflowObserver;
  escalation?: EscalationHook;
  stop?: AbortSignal;
  cancel?: AbortSignal;
  wait?: boolean;
  pollMs?: number;
}

export interface WorkflowResult {
  runId: string;
  state: WorkflowState;
  dir: string;
}

/**
 * @example
 * const { state } = await startWorkflow(compileWorkflow('feature.md'), { store, dbPath, workdir: '.' });
 */
export async function startWorkflow(plan: WorkflowPlan, o: WorkflowRunOptions & { workdir: string; force?: boolean; runId?: string }): Promise<WorkflowResult> {
  const runId = o.runId ?? newRunId();
  const seed = plan.seed ?? randomInt(0, 2 ** 31);
  const experiment = workflowExperiment(plan, seed);
  const dir = workflowDir(o.dbPath, runId);
  const state = initialState(plan, { runId, workdir: resolve(o.workdir), seed, force: o.force ?? false, now: Date.now() });
  o.store.createRun(runId, experiment, null);
  saveState(dir, state);
  return execute(plan, experiment, state, dir, o);
}

/**
 * Continues a workflow after Ctrl-C, a kill, an approval or a failure that was fixed: what finished
 * is never run again; what was in flight is asked again.
 */
export async function resumeWorkflow(runId: string, o: WorkflowRunOptions & { force?: boolean }): Promise<WorkflowResult> {
  const { plan, experiment } = loadWorkflowRun(o.store, runId);
  const run = o.store.getRun(runId)!;
  if (run.status === 'running' && run.pid !== null && run.pid !== process.pid && isAlive(run.pid)) {
    throw new MetaorchError('USAGE', `Workflow run ${runId} is still being executed by process ${run.pid}; stop it first (Ctrl-C there).`);
  }
  const dir = workflowDir(o.dbPath, runId);
  let state = loadState(dir);
  if (state.workflow.sha256 !== plan.sha256) {
    throw new MetaorchError('CONFIG_INVALID', `${dir}/state.json belongs to another version of the workflow (document hash ${state.workflow.sha256.slice(0, 12)}, run ${plan.sha256.slice(0, 12)})`);
  }
  if (o.force !== undefined && o.force !== state.force) state = { ...state, force: o.force };
  o.store.updateRun(runId, { status: 'running', pid: process.pid, finishedAt: null, stopReason: null, error: null });
  return execute(plan, experiment, state, dir, o);
}

/** The plan and experiment stored with a workflow run. */
export function loadWorkflowRun(reads: { queries(): Pick<RunQueries, 'runConfig'> } | Pick<RunQueries, 'runConfig'>, runId: string): { plan: WorkflowPlan; experiment: WorkflowExperiment } {
  const queries = 'queries' in reads ? reads.queries() : reads;
  const config = queries.runConfig(runId) as Partial<WorkflowExperiment>;
  if (config.mode !== 'workflow' || !config.workflow) throw new MetaorchError('USAGE', `Run ${runId} is not a workflow run (it is a ${config.mode ?? 'grid'} run): use metaorch resume ${runId}`);
  return { plan: config.workflow, experiment: { ...(config as WorkflowExperiment), tasks: [] } };
}

async function execute(plan: WorkflowPlan, experiment: WorkflowExperiment, state: WorkflowState, dir: string, o: WorkflowRunOptions): Promise<WorkflowResult> {
  const env = o.env ?? process.env;
  const shell = new WorkflowShell({
    plan, state, dir, store: o.store, env, experiment,
    context: contextFromHistory(o.store.workflowHistory(plan.name, state.runId), voteHistory(o.store, plan.name, state.runId)),
    inputs: readInputs(plan), knowledge: readKnowledge(plan),
    ...(o.observer ? { observer: o.observer } : {}), ...(o.escalation ? { escalation: o.escalation } : {}),
    ...(o.stop ? { stop: o.stop } : {}), ...(o.cancel ? { cancel: o.cancel } : {}),
    ...(o.wait !== undefined ? { wait: o.wait } : {}), ...(o.pollMs !== undefined ? { pollMs: o.pollMs } : {}),
  });
  let final: WorkflowState;
  try {
    final = await shell.run();
  } catch (error) {
    o.store.updateRun(state.runId, { status: 'failed', finishedAt: Date.now(), pid: null, error: String(error) });
    throw error;
  }
  const { status, stopReason } = runStatusOf(final.status);
  o.store.updateRun(state.runId, { status, stopReason, finishedAt: Date.now(), pid: null, error: final.status === 'failed' ? final.message : null });
  return { runId: state.runId, state: final, dir };
}

export function workflowExperiment(plan: WorkflowPlan, seed: number): WorkflowExperiment {
  return {
    name: plan.name, description: plan.description, mode: 'workflow', seed, repeats: 1, concurrency: plan.defaults.concurrency,
    timeoutMs: plan.defaults.timeoutMs, retries: 2, threshold: plan.defaults.pass, budget: {}, objective: { score: 1, error: 0 },
    snapshotEvery: 100, variants: plan.runtimes, scorers: [], tasks: [], baseDir: plan.baseDir, source: plan.file, workflow: plan,
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
