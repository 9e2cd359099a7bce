import { transition } from '../controller/core.js';
import type { Decision } from '../controller/decision.js';
import { MetaorchError, UsageError } from '../model/errors.js';
import type { DecisionRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import { rebuildController } from './controller-shell.js';

/** What became of an undo: the rollback decision, or a request the live run will apply. */
export type UndoResult =
  | { status: 'applied'; rollback: DecisionRecord; by: 'live run' | 'this command' }
  | { status: 'requested'; command: number };

const UNDOABLE = new Set(['reweight', 'quarantine', 'probe', 'restore', 'reset']);

/**
 * Reverts decision `id` of a run by hand. A live run applies the request itself within a second (this
 * waits up to `waitMs` for it); otherwise the controller is rebuilt from the store, the undo applied
 * and its rollback decision written, and resume will replay it at the same place. Either way the
 * command and the rollback are logged.
 *
 * @example
 * const r = await undoDecision(store, runId, 3, 'operator: false alarm', { live: isAlive(run.pid) });
 */
export async function undoDecision(store: Store, runId: string, id: number, reason: string, o: { live: boolean; waitMs?: number }): Promise<UndoResult> {
  const experiment = store.loadExperiment(runId);
  if (!experiment.controller) throw new UsageError(`run ${runId} has no controller: there are no decisions to undo`);
  const decision = store.controller.get(runId, id);
  if (!decision) {
    const ids = store.controller.list(runId).map((d) => d.id);
    throw new UsageError(`run ${runId} has no decision ${id}${ids.length ? ` (decisions: ${ids[0]}..${ids[ids.length - 1]})` : ' (it has no decisions)'}`);
  }
  if (!UNDOABLE.has(decision.kind)) throw new UsageError(`decision ${id} is a ${decision.kind}: only ${[...UNDOABLE].join(', ')} decisions can be undone`);
  if (decision.undoneBy !== null) throw new UsageError(`decision ${id} was already undone by decision ${decision.undoneBy}`);
  const command = store.controller.requestUndo(runId, id, reason);
  if (o.live) {
    const deadline = Date.now() + (o.waitMs ?? 15_000);
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const done = store.controller.doneCommands(runId).find((c) => c.id === command.id);
      if (done) return settle(store, runId, done.result ?? '', 'live run');
    }
    return { status: 'requested', command: command.id };
  }
  const state = rebuildController(store, runId, experiment, experiment.controller, experiment.mode !== 'grid');
  const actions = transition(state, { type: 'undo', time: Date.now(), decision: id, reason }).actions;
  let made: Decision | null = null;
  for (const a of actions) {
    if (a.type === 'record') {
      made = a.decision;
      store.controller.record(runId, { ...(a.decision as DecisionRecord), ...(a.decision.escalate ? { delivery: { status: 'skipped', note: 'undone while the run was not running' } } : {}) });
    } else if (a.type === 'update') {
      store.controller.update(runId, a.id, { ...(a.validation ? { validation: a.validation } : {}), ...(a.undoneBy !== undefined ? { undoneBy: a.undoneBy } : {}) });
    } else if (a.type === 'refused') {
      store.controller.completeCommand(runId, command.id, `refused: ${a.reason}`, state.finished);
      throw new UsageError(`decision ${id} cannot be undone: ${a.reason}`);
    }
  }
  store.controller.completeCommand(runId, command.id, `applied: decision ${made?.id ?? '?'}`, state.finished);
  return settle(store, runId, `applied: decision ${made?.id ?? '?'}`, 'this command');
}

function settle(store: Store, runId: string, result: string, by: 'live run' | 'this command'): UndoResult {
  const applied = /^applied: decision (\d+)/.exec(result);
  if (!applied) throw new MetaorchError('USAGE', `the run refused the undo: ${result.replace(/^refused: /, '')}`);
  const rollback = store.controller.get(runId, Number(applied[1]));
  if (!rollback) throw new MetaorchError('STORE', `the rollback decision ${applied[1]} is missing from the log`);
  return { status: 'applied', rollback, by };
}
