import { describe, expect, it } from 'vitest';
import { initialMasterState, masterStep, type MasterAction, type MasterEvent, type MasterState } from './master-core.js';

function run(state: MasterState, events: MasterEvent[]): { state: MasterState; actions: MasterAction[] } {
  const actions: MasterAction[] = [];
  for (const e of events) {
    const t = masterStep(state, e);
    state = t.state;
    actions.push(...t.actions);
  }
  return { state, actions };
}

const idle = () => run(initialMasterState({ commandFile: null, graceMs: 10_000 }), [{ type: 'children-ready' }]).state;

describe('orchestrator master core', () => {
  it('runs the command experiment once the children are ready, and exits with its status', () => {
    let t = run(initialMasterState({ commandFile: 'exp.yaml', graceMs: 5000 }), [{ type: 'launch', requestId: 'r1', file: 'x.yaml', origin: 'dashboard' }]);
    expect(t.actions).toEqual([{ type: 'reply', requestId: 'r1', ok: false, message: 'the orchestrator is shutting down: no new runs' }]);
    t = run(t.state, [{ type: 'children-ready' }]);
    expect(t.actions).toEqual([{ type: 'start-run', requestId: 'command', file: 'exp.yaml', origin: 'command' }]);
    t = run(t.state, [{ type: 'run-started', requestId: 'command', runId: 'R' }, { type: 'run-ended', runId: 'R', exitCode: 1 }]);
    expect(t.actions).toEqual([{ type: 'stop-children' }]);
    t = run(t.state, [{ type: 'children-stopped' }]);
    expect(t.actions).toEqual([{ type: 'exit', code: 1 }]);
  });

  it('exits 2 when the command experiment cannot start', () => {
    const t = run(initialMasterState({ commandFile: 'bad.yaml', graceMs: 5000 }), [
      { type: 'children-ready' },
      { type: 'run-rejected', requestId: 'command', message: '1 problem in the experiment', exitCode: 2 },
      { type: 'children-stopped' },
    ]);
    expect(t.actions.slice(1)).toEqual([
      { type: 'log', message: 'error: 1 problem in the experiment' },
      { type: 'stop-children' },
      { type: 'exit', code: 2 },
    ]);
  });

  it('starts dashboard launches and answers them', () => {
    const t = run(idle(), [
      { type: 'launch', requestId: 'a', file: 'a.yaml', origin: 'dashboard' },
      { type: 'launch', requestId: 'b', file: 'b.yaml', origin: 'dashboard' },
      { type: 'run-started', requestId: 'a', runId: 'RA' },
      { type: 'run-rejected', requestId: 'b', message: 'bad', exitCode: 2 },
    ]);
    expect(t.actions).toEqual([
      { type: 'start-run', requestId: 'a', file: 'a.yaml', origin: 'dashboard' },
      { type: 'start-run', requestId: 'b', file: 'b.yaml', origin: 'dashboard' },
      { type: 'reply', requestId: 'a', ok: true, runId: 'RA', message: 'run RA started' },
      { type: 'reply', requestId: 'b', ok: false, message: 'bad' },
    ]);
    expect(t.state.runs).toEqual({ RA: { origin: 'dashboard', stops: 0 } });
    // A dashboard run ending does not end the master.
    expect(run(t.state, [{ type: 'run-ended', runId: 'RA', exitCode: 0 }]).actions).toEqual([]);
  });

  it('stops a run from the dashboard, and cancels it on the second stop', () => {
    const s = run(idle(), [{ type: 'launch', requestId: 'a', file: 'a.yaml', origin: 'dashboard' }, { type: 'run-started', requestId: 'a', runId: 'RA' }]).state;
    const t = run(s, [
      { type: 'stop-run', requestId: 's1', runId: 'RA' },
      { type: 'stop-run', requestId: 's2', runId: 'RA' },
      { type: 'stop-run', requestId: 's3', runId: 'NOPE' },
    ]);
    expect(t.actions).toEqual([
      { type: 'stop-run', runId: 'RA' },
      { type: 'reply', requestId: 's1', ok: true, runId: 'RA', message: 'Stopping: no new trials; in-flight trials finish (stop again to cancel them).' },
      { type: 'cancel-run', runId: 'RA' },
      { type: 'reply', requestId: 's2', ok: true, runId: 'RA', message: 'Cancelling in-flight trials.' },
      { type: 'reply', requestId: 's3', ok: false, message: 'run NOPE is not running in this orchestrator' },
    ]);
  });

  it('on Ctrl-C: stops every run, cancels after the grace period or a second signal, exits 130', () => {
    const s = run(idle(), [
      { type: 'launch', requestId: 'a', file: 'a.yaml', origin: 'dashboard' },
      { type: 'launch', requestId: 'b', file: 'b.yaml', origin: 'dashboard' },
      { type: 'run-started', requestId: 'a', runId: 'RA' },
    ]).state;
    let t = run(s, [{ type: 'signal', signal: 'SIGINT' }]);
    expect(t.actions).toEqual([
      { type: 'log', message: 'SIGINT: stopping; in-flight trials have 10s to finish (press Ctrl-C again to cancel them now).' },
      { type: 'stop-run', runId: 'RA' },
      { type: 'grace-timer', ms: 10_000 },
    ]);
    // A launch still starting is stopped the moment it runs; new launches are refused.
    t = run(t.state, [{ type: 'run-started', requestId: 'b', runId: 'RB' }, { type: 'launch', requestId: 'c', file: 'c.yaml', origin: 'dashboard' }]);
    expect(t.actions).toEqual([
      { type: 'reply', requestId: 'b', ok: true, runId: 'RB', message: 'run RB started' },
      { type: 'stop-run', runId: 'RB' },
      { type: 'reply', requestId: 'c', ok: false, message: 'the orchestrator is shutting down: no new runs' },
    ]);
    const graceOver = run(t.state, [{ type: 'grace-over' }]);
    expect(graceOver.actions).toEqual([{ type: 'cancel-run', runId: 'RA' }, { type: 'cancel-run', runId: 'RB' }]);
    const second = run(t.state, [{ type: 'signal', signal: 'SIGINT' }]);
    expect(second.actions).toEqual([{ type: 'log', message: 'SIGINT: cancelling in-flight trials.' }, { type: 'cancel-run', runId: 'RA' }, { type: 'cancel-run', runId: 'RB' }]);
    t = run(second.state, [{ type: 'run-ended', runId: 'RA', exitCode: 130 }, { type: 'run-ended', runId: 'RB', exitCode: 130 }, { type: 'children-stopped' }]);
    expect(t.actions).toEqual([{ type: 'stop-children' }, { type: 'exit', code: 130 }]);
  });

  it('exits 0 on Ctrl-C when idle', () => {
    const t = run(idle(), [{ type: 'signal', signal: 'SIGTERM' }, { type: 'children-stopped' }]);
    expect(t.actions).toEqual([{ type: 'log', message: 'SIGTERM: stopping.' }, { type: 'stop-children' }, { type: 'exit', code: 0 }]);
  });

  it('stops everything with status 1 on a crash loop', () => {
    const s = run(idle(), [{ type: 'launch', requestId: 'a', file: 'a.yaml', origin: 'dashboard' }, { type: 'run-started', requestId: 'a', runId: 'RA' }]).state;
    const t = run(s, [{ type: 'crash-loop', message: 'producer crash loop: 6 deaths' }, { type: 'run-ended', runId: 'RA', exitCode: 1 }, { type: 'children-stopped' }]);
    expect(t.actions).toEqual([
      { type: 'log', message: 'error: producer crash loop: 6 deaths' },
      { type: 'stop-run', runId: 'RA' },
      { type: 'grace-timer', ms: 10_000 },
      { type: 'cancel-run', runId: 'RA' },
      { type: 'stop-children' },
      { type: 'exit', code: 1 },
    ]);
    expect(t.state.failure).toBe('producer crash loop: 6 deaths');
  });
});
