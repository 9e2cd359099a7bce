import { describe, expect, it } from 'vitest';
import { initialSupervisorState, restartDelay, supervise, type SupervisorAction, type SupervisorEvent, type SupervisorOptions, type SupervisorState } from './core.js';

const OPTIONS: SupervisorOptions = {
  heartbeatTimeoutMs: 1000,
  startTimeoutMs: 5000,
  intensity: { max: 2, periodMs: 60_000 },
  backoff: { initialMs: 100, maxMs: 400 },
  stopTimeoutMs: 2000,
};

/** Feeds events in order; returns the final state and every action, wakes included. */
function run(state: SupervisorState, events: SupervisorEvent[]): { state: SupervisorState; actions: SupervisorAction[] } {
  const actions: SupervisorAction[] = [];
  for (const e of events) {
    const t = supervise(state, e);
    state = t.state;
    actions.push(...t.actions);
  }
  return { state, actions };
}

const without = (actions: SupervisorAction[], ...types: SupervisorAction['type'][]) => actions.filter((a) => !types.includes(a.type));
const two = () => initialSupervisorState([{ id: 'p1', role: 'producer' }, { id: 'web', role: 'web' }], OPTIONS);

/** Both children started at t=0, with pids 11 and 12, ready at t=10. */
function started(): SupervisorState {
  return run(two(), [
    { type: 'start', now: 0 },
    { type: 'spawned', id: 'p1', generation: 1, pid: 11, now: 1 },
    { type: 'spawned', id: 'web', generation: 1, pid: 12, now: 1 },
    { type: 'ready', id: 'p1', generation: 1, now: 10 },
    { type: 'ready', id: 'web', generation: 1, now: 10 },
  ]).state;
}

describe('supervisor core', () => {
  it('starts every child and wakes at the earliest start deadline', () => {
    const { state, actions } = supervise(two(), { type: 'start', now: 0 });
    expect(actions).toEqual([
      { type: 'spawn', id: 'p1', role: 'producer', generation: 1 },
      { type: 'spawn', id: 'web', role: 'web', generation: 1 },
      { type: 'wake', at: null },
    ]);
    // No pid yet: nothing to kill, so no deadline. With pids, the start timeout applies.
    const { actions: after } = run(state, [{ type: 'spawned', id: 'p1', generation: 1, pid: 11, now: 2 }]);
    expect(after).toEqual([{ type: 'wake', at: 5000 }]);
  });

  it('kills a ready child that stops heartbeating, and restarts it at once (first death)', () => {
    let s = started();
    let t = supervise(s, { type: 'seen', id: 'p1', generation: 1, now: 500 });
    expect(t.actions).toEqual([{ type: 'wake', at: 1010 }]); // web's deadline (10 + 1000) comes first
    s = run(t.state, [{ type: 'seen', id: 'web', generation: 1, now: 900 }]).state;
    t = supervise(s, { type: 'tick', now: 1500 });
    expect(without(t.actions, 'wake')).toEqual([{ type: 'kill', id: 'p1', generation: 1, pid: 11, reason: 'no heartbeat for 1s (stopped, or blocked by a busy loop)' }]);
    // The kill is pending: no second kill for the same silence.
    expect(without(supervise(t.state, { type: 'tick', now: 1600 }).actions, 'wake')).toEqual([]);
    // Killed for silence while idle: unexplained (with trials in flight, they would be blamed).
    const busy = supervise(t.state, { type: 'exited', id: 'p1', generation: 1, code: null, signal: 'SIGKILL', now: 1510, explained: true });
    expect(busy.state.unexplained['producer'] ?? []).toEqual([]);
    t = supervise(t.state, { type: 'exited', id: 'p1', generation: 1, code: null, signal: 'SIGKILL', now: 1510, explained: false });
    expect(without(t.actions, 'wake')).toEqual([
      { type: 'log', message: 'p1 (producer, pid 11) died (killed: no heartbeat for 1s (stopped, or blocked by a busy loop)); restarting it' },
      { type: 'spawn', id: 'p1', role: 'producer', generation: 2 },
    ]);
    const p1 = t.state.children.find((c) => c.id === 'p1');
    expect(p1).toMatchObject({ status: 'starting', generation: 2, restarts: 1, lastExit: { code: null, signal: 'SIGKILL', at: 1510, killedFor: expect.stringContaining('no heartbeat') } });
    expect(t.state.unexplained['producer']).toEqual([1510]);
  });

  it('restarts a child that died running trials at once, without counting towards a crash loop', () => {
    let s = started();
    for (let g = 1; g <= 10; g++) {
      s = run(s, [
        { type: 'exited', id: 'p1', generation: g, code: 1, signal: null, now: 100 * g, explained: true, cause: 'Error: boom' },
        { type: 'spawned', id: 'p1', generation: g + 1, pid: 100 + g, now: 100 * g + 1 },
        { type: 'ready', id: 'p1', generation: g + 1, now: 100 * g + 2 },
      ]).state;
    }
    expect(s.crashLoop).toBeNull();
    expect(s.unexplained['producer'] ?? []).toEqual([]);
    expect(s.children.find((c) => c.id === 'p1')).toMatchObject({ status: 'ready', generation: 11, restarts: 10, deaths: [] });
  });

  it('backs off exponentially on unexplained deaths and declares a crash loop past the intensity limit', () => {
    let s = started();
    let t = supervise(s, { type: 'exited', id: 'p1', generation: 1, code: 1, signal: null, now: 1000, explained: false });
    expect(without(t.actions, 'wake', 'log')).toEqual([{ type: 'spawn', id: 'p1', role: 'producer', generation: 2 }]);
    // Second death within the period (before ready this time): 100 ms backoff.
    s = run(t.state, [{ type: 'spawned', id: 'p1', generation: 2, pid: 21, now: 1001 }]).state;
    t = supervise(s, { type: 'exited', id: 'p1', generation: 2, code: 1, signal: null, now: 1200, explained: true, cause: 'SyntaxError: x' });
    expect(without(t.actions, 'wake')).toEqual([
      { type: 'log', message: 'p1 (producer, pid 21) died (exit code 1: SyntaxError: x); restarting it in 100 ms' },
    ]);
    expect(t.actions.at(-1)).toEqual({ type: 'wake', at: 1010 }); // web's heartbeat deadline is earlier than 1300
    expect(t.state.children.find((c) => c.id === 'p1')).toMatchObject({ status: 'backoff', restartAt: 1300 });
    // Too early: nothing. At the restart time: spawned.
    expect(without(supervise(t.state, { type: 'tick', now: 1250 }).actions, 'wake', 'kill')).toEqual([]);
    t = supervise({ ...t.state, children: t.state.children.map((c) => (c.id === 'web' ? { ...c, lastSeen: 1300 } : c)) }, { type: 'tick', now: 1300 });
    expect(without(t.actions, 'wake')).toEqual([{ type: 'spawn', id: 'p1', role: 'producer', generation: 3 }]);
    // Third unexplained death: over the limit of 2 in the period.
    s = run(t.state, [{ type: 'spawned', id: 'p1', generation: 3, pid: 31, now: 1301 }]).state;
    t = supervise(s, { type: 'exited', id: 'p1', generation: 3, code: 1, signal: null, now: 1400, explained: false, cause: 'Error: cannot load' });
    const message = 'producer crash loop: 3 deaths in 60s without a trial to blame (limit 2); last: p1 (producer, pid 31) before it was ready, exit code 1: Error: cannot load';
    expect(without(t.actions, 'wake')).toEqual([{ type: 'crash-loop', role: 'producer', id: 'p1', message }]);
    expect(t.state.crashLoop).toEqual({ role: 'producer', id: 'p1', message });
    // After a crash loop nothing is restarted.
    const later = supervise(t.state, { type: 'exited', id: 'web', generation: 1, code: 1, signal: null, now: 1500, explained: false });
    expect(without(later.actions, 'wake')).toEqual([]);
    expect(later.state.children.find((c) => c.id === 'web')?.status).toBe('stopped');
  });

  it('forgets deaths older than the period', () => {
    let s = started();
    for (const [g, now] of [[1, 0], [2, 30_000], [3, 70_000], [4, 100_000]] as const) {
      s = run(s, [
        { type: 'exited', id: 'web', generation: g, code: 1, signal: null, now, explained: false },
        { type: 'tick', now: now + 500 },
        { type: 'spawned', id: 'web', generation: g + 1, pid: 50 + g, now: now + 501 },
        { type: 'ready', id: 'web', generation: g + 1, now: now + 502 },
      ]).state;
    }
    expect(s.crashLoop).toBeNull();
    expect(s.unexplained['web']).toEqual([70_000, 100_000]);
  });

  it('ignores events of a replaced incarnation', () => {
    const s = run(started(), [{ type: 'exited', id: 'p1', generation: 1, code: 0, signal: null, now: 50, explained: true }]).state;
    const t = run(s, [
      { type: 'exited', id: 'p1', generation: 1, code: 0, signal: null, now: 60, explained: true },
      { type: 'ready', id: 'p1', generation: 1, now: 61 },
    ]);
    expect(without(t.actions, 'wake')).toEqual([]);
    expect(t.state.children.find((c) => c.id === 'p1')).toMatchObject({ status: 'starting', generation: 2, restarts: 1 });
  });

  it('kills a child that is not ready within the start timeout', () => {
    const s = run(two(), [{ type: 'start', now: 0 }, { type: 'spawned', id: 'p1', generation: 1, pid: 11, now: 1 }]).state;
    expect(without(supervise(s, { type: 'tick', now: 5000 }).actions, 'wake')).toEqual([
      { type: 'kill', id: 'p1', generation: 1, pid: 11, reason: 'not ready 5s after start' },
    ]);
  });

  it('stops gracefully: shutdown, kill after the stop timeout, stopped once all are down', () => {
    // web dies twice: restarted at once, then put in backoff.
    const s = run(started(), [
      { type: 'exited', id: 'web', generation: 1, code: 1, signal: null, now: 20, explained: false },
      { type: 'spawned', id: 'web', generation: 2, pid: 13, now: 21 },
      { type: 'exited', id: 'web', generation: 2, code: 1, signal: null, now: 40, explained: false },
    ]).state;
    expect(s.children.find((c) => c.id === 'web')).toMatchObject({ status: 'backoff', restartAt: 140 });
    let t = supervise(s, { type: 'stop', now: 100 });
    expect(without(t.actions, 'wake')).toEqual([{ type: 'shutdown', id: 'p1', generation: 1, pid: 11 }]);
    expect(t.actions.at(-1)).toEqual({ type: 'wake', at: 2100 });
    expect(t.state.children.find((c) => c.id === 'web')?.status).toBe('stopped');
    t = supervise(t.state, { type: 'tick', now: 2100 });
    expect(without(t.actions, 'wake')).toEqual([{ type: 'kill', id: 'p1', generation: 1, pid: 11, reason: 'still running 2s after it was asked to stop' }]);
    t = supervise(t.state, { type: 'exited', id: 'p1', generation: 1, code: null, signal: 'SIGKILL', now: 2101, explained: true });
    expect(t.actions).toEqual([{ type: 'stopped' }, { type: 'wake', at: null }]);
    expect(t.state.phase).toBe('stopped');
  });

  it('asks a child spawned during a stop to stop as soon as it has a pid', () => {
    const s = run(two(), [{ type: 'start', now: 0 }, { type: 'spawned', id: 'web', generation: 1, pid: 12, now: 1 }, { type: 'stop', now: 2 }]).state;
    const t = supervise(s, { type: 'spawned', id: 'p1', generation: 1, pid: 11, now: 3 });
    expect(without(t.actions, 'wake')).toEqual([{ type: 'shutdown', id: 'p1', generation: 1, pid: 11 }]);
  });

  it('replaces a recycled child without counting a death', () => {
    let t = supervise(started(), { type: 'recycle', id: 'p1', now: 100 });
    expect(without(t.actions, 'wake')).toEqual([{ type: 'shutdown', id: 'p1', generation: 1, pid: 11 }]);
    t = supervise(t.state, { type: 'exited', id: 'p1', generation: 1, code: 0, signal: null, now: 150, explained: false });
    expect(without(t.actions, 'wake')).toEqual([
      { type: 'log', message: 'p1 (producer, pid 11) replaced (memory limit)' },
      { type: 'spawn', id: 'p1', role: 'producer', generation: 2 },
    ]);
    expect(t.state.unexplained['producer'] ?? []).toEqual([]);
    const back = run(t.state, [{ type: 'spawned', id: 'p1', generation: 2, pid: 21, now: 160 }, { type: 'ready', id: 'p1', generation: 2, now: 170 }]);
    expect(without(back.actions, 'wake')).toEqual([{ type: 'log', message: 'p1 (producer, pid 21) is ready again' }]);
  });

  it('computes restart delays', () => {
    expect([1, 2, 3, 4, 5, 9].map((n) => restartDelay(n, OPTIONS.backoff))).toEqual([0, 100, 200, 400, 400, 400]);
  });
});
