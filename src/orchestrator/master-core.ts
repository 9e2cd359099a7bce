/**
 * The decisions of `metaorch orchestrator` as a pure transition: which runs start (the command's
 * experiment, launches forwarded by the web server child), how they stop (a dashboard's Stop, Ctrl-C
 * with its grace period, a crash loop of the children), when the children are stopped and with which
 * exit status the master leaves. Children themselves are supervised by `src/supervisor/`; this core
 * hears only that they are all up, that they crash-loop, and that they are all down.
 */

export type RunOrigin = 'command' | 'dashboard';

export interface MasterState {
  phase: 'starting' | 'running' | 'draining' | 'stopping' | 'exited';
  /** Runs executing: their origin and how many stops they were asked for (a second one cancels). */
  runs: Readonly<Record<string, { origin: RunOrigin; stops: number }>>;
  /** Launches accepted but not yet running (loading the file, opening the executor). */
  starting: Readonly<Record<string, RunOrigin>>;
  /** The command's experiment, launched once the children are ready. */
  commandFile: string | null;
  graceMs: number;
  signals: number;
  exitCode: number | null;
  failure: string | null;
}

export type MasterEvent =
  | { type: 'children-ready' }
  | { type: 'launch'; requestId: string; file: string; origin: RunOrigin }
  | { type: 'run-started'; requestId: string; runId: string }
  /** The run could not start (bad config, executor not ready); `exitCode` as `metaorch run` would exit. */
  | { type: 'run-rejected'; requestId: string; message: string; exitCode: number }
  /** A run ended; `exitCode` as `metaorch run` would exit for it (0, 1, 130). */
  | { type: 'run-ended'; runId: string; exitCode: number }
  | { type: 'stop-run'; requestId: string; runId: string }
  | { type: 'signal'; signal: string }
  | { type: 'grace-over' }
  | { type: 'crash-loop'; message: string }
  | { type: 'children-stopped' };

export type MasterAction =
  | { type: 'start-run'; requestId: string; file: string; origin: RunOrigin }
  /** An answer to a launch or stop request from the dashboard. */
  | { type: 'reply'; requestId: string; ok: boolean; runId?: string; message: string }
  /** Stop scheduling; in-flight trials finish. */
  | { type: 'stop-run'; runId: string }
  /** Cancel in-flight trials (left for resume). */
  | { type: 'cancel-run'; runId: string }
  | { type: 'grace-timer'; ms: number }
  | { type: 'stop-children' }
  | { type: 'exit'; code: number }
  | { type: 'log'; message: string };

/**
 * @example
 * let state = initialMasterState({ commandFile: 'exp.yaml', graceMs: 10_000 });
 * ({ state } = masterStep(state, { type: 'children-ready' })); // actions: start-run exp.yaml
 */
export function initialMasterState(o: { commandFile: string | null; graceMs: number }): MasterState {
  return { phase: 'starting', runs: {}, starting: {}, commandFile: o.commandFile, graceMs: o.graceMs, signals: 0, exitCode: null, failure: null };
}

/**
 * One step of the master.
 *
 * @example
 * const { state, actions } = masterStep(s, { type: 'signal', signal: 'SIGINT' });
 */
export function masterStep(state: MasterState, event: MasterEvent): { state: MasterState; actions: MasterAction[] } {
  const actions: MasterAction[] = [];
  const next = step(state, event, actions);
  return { state: settle(next, actions), actions };
}

function step(s: MasterState, e: MasterEvent, actions: MasterAction[]): MasterState {
  switch (e.type) {
    case 'children-ready': {
      if (s.phase !== 'starting') return s;
      if (s.commandFile === null) {
        actions.push({ type: 'log', message: 'Waiting for runs launched from the dashboard (Ctrl-C to stop).' });
        return { ...s, phase: 'running' };
      }
      actions.push({ type: 'start-run', requestId: 'command', file: s.commandFile, origin: 'command' });
      return { ...s, phase: 'running', starting: { ...s.starting, command: 'command' } };
    }
    case 'launch': {
      if (s.phase !== 'running') {
        actions.push({ type: 'reply', requestId: e.requestId, ok: false, message: 'the orchestrator is shutting down: no new runs' });
        return s;
      }
      actions.push({ type: 'start-run', requestId: e.requestId, file: e.file, origin: e.origin });
      return { ...s, starting: { ...s.starting, [e.requestId]: e.origin } };
    }
    case 'run-started': {
      const origin = s.starting[e.requestId];
      if (origin === undefined) return s;
      const starting = without(s.starting, e.requestId);
      if (origin === 'dashboard') actions.push({ type: 'reply', requestId: e.requestId, ok: true, runId: e.runId, message: `run ${e.runId} started` });
      const runs = { ...s.runs, [e.runId]: { origin, stops: 0 } };
      // Started while stopping: it stops at once (its first stop).
      if (s.phase === 'draining') {
        actions.push({ type: 'stop-run', runId: e.runId });
        return { ...s, starting, runs: { ...runs, [e.runId]: { origin, stops: 1 } } };
      }
      return { ...s, starting, runs };
    }
    case 'run-rejected': {
      const origin = s.starting[e.requestId];
      if (origin === undefined) return s;
      const starting = without(s.starting, e.requestId);
      if (origin === 'dashboard') {
        actions.push({ type: 'reply', requestId: e.requestId, ok: false, message: e.message });
        return { ...s, starting };
      }
      // The command's own experiment could not start: the master has nothing to do.
      actions.push({ type: 'log', message: `error: ${e.message}` });
      return beginStop({ ...s, starting, exitCode: s.exitCode ?? e.exitCode }, actions);
    }
    case 'run-ended': {
      const run = s.runs[e.runId];
      if (!run) return s;
      const next = { ...s, runs: without(s.runs, e.runId) };
      if (run.origin === 'command') return beginStop({ ...next, exitCode: s.exitCode ?? e.exitCode }, actions);
      return next;
    }
    case 'stop-run': {
      const run = s.runs[e.runId];
      if (!run) {
        actions.push({ type: 'reply', requestId: e.requestId, ok: false, message: `run ${e.runId} is not running in this orchestrator` });
        return s;
      }
      const first = run.stops === 0;
      actions.push(first ? { type: 'stop-run', runId: e.runId } : { type: 'cancel-run', runId: e.runId });
      actions.push({
        type: 'reply', requestId: e.requestId, ok: true, runId: e.runId,
        message: first ? 'Stopping: no new trials; in-flight trials finish (stop again to cancel them).' : 'Cancelling in-flight trials.',
      });
      return { ...s, runs: { ...s.runs, [e.runId]: { ...run, stops: run.stops + 1 } } };
    }
    case 'signal': {
      const signals = s.signals + 1;
      const busy = Object.keys(s.runs).length + Object.keys(s.starting).length > 0;
      if (signals === 1) {
        actions.push({ type: 'log', message: busy ? `${e.signal}: stopping; in-flight trials have ${Math.round(s.graceMs / 1000)}s to finish (press Ctrl-C again to cancel them now).` : `${e.signal}: stopping.` });
        return beginStop({ ...s, signals, exitCode: s.exitCode ?? (busy ? 130 : 0) }, actions);
      }
      if (s.phase === 'draining') {
        actions.push({ type: 'log', message: `${e.signal}: cancelling in-flight trials.` });
        return cancelAll({ ...s, signals }, actions);
      }
      return { ...s, signals };
    }
    case 'grace-over':
      return s.phase === 'draining' ? cancelAll(s, actions) : s;
    case 'crash-loop': {
      actions.push({ type: 'log', message: `error: ${e.message}` });
      return cancelAll(beginStop({ ...s, failure: e.message, exitCode: 1 }, actions), actions);
    }
    case 'children-stopped': {
      actions.push({ type: 'exit', code: s.exitCode ?? 0 });
      return { ...s, phase: 'exited' };
    }
  }
}

/** Stop scheduling in every run and start the grace period (or stop the children when idle). */
function beginStop(s: MasterState, actions: MasterAction[]): MasterState {
  if (s.phase === 'draining' || s.phase === 'stopping' || s.phase === 'exited') return s;
  const runs: Record<string, { origin: RunOrigin; stops: number }> = {};
  for (const [id, run] of Object.entries(s.runs)) {
    if (run.stops === 0) actions.push({ type: 'stop-run', runId: id });
    runs[id] = { ...run, stops: Math.max(1, run.stops) };
  }
  if (Object.keys(runs).length + Object.keys(s.starting).length > 0) actions.push({ type: 'grace-timer', ms: s.graceMs });
  return { ...s, phase: 'draining', runs };
}

function cancelAll(s: MasterState, actions: MasterAction[]): MasterState {
  const runs: Record<string, { origin: RunOrigin; stops: number }> = {};
  for (const [id, run] of Object.entries(s.runs)) {
    if (run.stops < 2) actions.push({ type: 'cancel-run', runId: id });
    runs[id] = { ...run, stops: 2 };
  }
  return { ...s, runs };
}

/** Draining and nothing left running: stop the children. */
function settle(s: MasterState, actions: MasterAction[]): MasterState {
  if (s.phase === 'draining' && Object.keys(s.runs).length === 0 && Object.keys(s.starting).length === 0) {
    actions.push({ type: 'stop-children' });
    return { ...s, phase: 'stopping' };
  }
  return s;
}

function without<T>(record: Readonly<Record<string, T>>, key: string): Record<string, T> {
  const copy = { ...record };
  delete copy[key];
  return copy;
}
