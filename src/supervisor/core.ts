/**
 * The supervisor's decisions as a pure transition (like OTP's supervisor, Elm's `update`):
 * `supervise(state, event) -> { state, actions }`. It starts children, restarts the ones that die
 * (at once when a trial's own doing killed them, with exponential backoff otherwise), kills children
 * that stop answering (heartbeat) or never become ready, and declares a crash loop when a role's
 * children die for no known reason more than `intensity.max` times within `intensity.periodMs`.
 * No clock, no I/O: time comes in events, effects go out as actions a thin shell performs.
 */

export interface SupervisorOptions {
  /** A ready child silent this long (stopped, spinning) is killed; ms. */
  heartbeatTimeoutMs: number;
  /** A child not ready this long after it was spawned is killed; ms. */
  startTimeoutMs: number;
  /** Crash-loop limit per role: more than `max` unexplained deaths within `periodMs`. */
  intensity: { max: number; periodMs: number };
  /** Restart delay after the n-th unexplained death of a child within the period: 0 for the first, then initialMs * 2^(n-2), at most maxMs. */
  backoff: { initialMs: number; maxMs: number };
  /** After a graceful stop is asked, a child still alive this long is killed; ms. */
  stopTimeoutMs: number;
}

/** 10 s heartbeat, 30 s to start, 5 unexplained deaths a minute, backoff 100 ms to 5 s, 5 s to stop. */
export const DEFAULT_SUPERVISOR_OPTIONS: SupervisorOptions = {
  heartbeatTimeoutMs: 10_000,
  startTimeoutMs: 30_000,
  intensity: { max: 5, periodMs: 60_000 },
  backoff: { initialMs: 100, maxMs: 5_000 },
  stopTimeoutMs: 5_000,
};

export interface ChildSpec {
  id: string;
  /** What the child is (`producer`, `web`): crash loops are counted per role. */
  role: string;
}

export type ChildStatus = 'starting' | 'ready' | 'backoff' | 'stopping' | 'stopped';

export interface ExitInfo {
  code: number | null;
  signal: string | null;
  at: number;
  /** Why the supervisor killed it, when it did. */
  killedFor: string | null;
}

export interface ChildState extends ChildSpec {
  status: ChildStatus;
  pid: number | null;
  /** Incremented at every spawn: tells this incarnation's events from a dead one's. */
  generation: number;
  startedAt: number | null;
  lastSeen: number | null;
  restartAt: number | null;
  /** Deadline of a graceful stop, after which the child is killed. */
  stopDeadline: number | null;
  restarts: number;
  /** Times of this child's unexplained deaths within the intensity period (drives its backoff). */
  deaths: number[];
  /** Set when the supervisor killed it (heartbeat, start timeout), so its exit says why. */
  killedFor: string | null;
  /** Replace it once it exits (memory recycling), without counting a death. */
  recycling: boolean;
  lastExit: ExitInfo | null;
}

export interface SupervisorState {
  options: SupervisorOptions;
  phase: 'idle' | 'running' | 'stopping' | 'stopped';
  children: readonly ChildState[];
  /** Unexplained deaths per role within the intensity period. */
  unexplained: Readonly<Record<string, readonly number[]>>;
  /** Set once a crash loop was declared: nothing is restarted after it. */
  crashLoop: { role: string; id: string; message: string } | null;
}

export type SupervisorEvent =
  | { type: 'start'; now: number }
  | { type: 'spawned'; id: string; generation: number; pid: number; now: number }
  | { type: 'ready'; id: string; generation: number; now: number }
  /** A heartbeat, or any message: the child is alive. */
  | { type: 'seen'; id: string; generation: number; now: number }
  /**
   * The child exited. `explained`: its death is a trial's doing (it was running trials, which the
   * executor charges), so it is restarted at once and does not count towards a crash loop.
   */
  | { type: 'exited'; id: string; generation: number; code: number | null; signal: string | null; now: number; explained: boolean; cause?: string }
  | { type: 'tick'; now: number }
  /** Replace this child gracefully (its memory grew too large): asked to stop, then started again. */
  | { type: 'recycle'; id: string; now: number }
  | { type: 'stop'; now: number };

export type SupervisorAction =
  | { type: 'spawn'; id: string; role: string; generation: number }
  | { type: 'kill'; id: string; generation: number; pid: number; reason: string }
  /** Ask the child to finish and exit (it is killed after stopTimeoutMs). */
  | { type: 'shutdown'; id: string; generation: number; pid: number }
  /** Deliver a tick at this time (the earliest deadline); null: no deadline pending. */
  | { type: 'wake'; at: number | null }
  | { type: 'crash-loop'; role: string; id: string; message: string }
  | { type: 'log'; message: string }
  | { type: 'stopped' };

export interface Transition {
  state: SupervisorState;
  actions: SupervisorAction[];
}

/**
 * The initial state: every child known, none started.
 *
 * @example
 * let s = initialSupervisorState([{ id: 'producer-1', role: 'producer' }, { id: 'web', role: 'web' }]);
 * ({ state: s } = supervise(s, { type: 'start', now: 0 })); // actions: spawn producer-1, spawn web
 */
export function initialSupervisorState(children: readonly ChildSpec[], options: SupervisorOptions = DEFAULT_SUPERVISOR_OPTIONS): SupervisorState {
  return {
    options,
    phase: 'idle',
    children: children.map((c) => ({
      ...c, status: 'stopped', pid: null, generation: 0, startedAt: null, lastSeen: null, restartAt: null, stopDeadline: null,
      restarts: 0, deaths: [], killedFor: null, recycling: false, lastExit: null,
    })),
    unexplained: {},
    crashLoop: null,
  };
}

/**
 * One step of the supervisor.
 *
 * @example
 * const { state, actions } = supervise(s, { type: 'exited', id: 'producer-1', generation: 1, code: 1, signal: null, now: 5000, explained: false });
 */
export function supervise(state: SupervisorState, event: SupervisorEvent): Transition {
  const actions: SupervisorAction[] = [];
  let next: SupervisorState;
  switch (event.type) {
    case 'start':
      next = state.phase === 'idle' ? startAll(state, event.now, actions) : state;
      break;
    case 'spawned':
      next = updateChild(state, event.id, event.generation, (c) => {
        // Stopped while it was being spawned: ask it to stop now that it has a pid.
        if (c.status === 'stopping') actions.push({ type: 'shutdown', id: c.id, generation: c.generation, pid: event.pid });
        return { ...c, pid: event.pid };
      });
      break;
    case 'ready':
      next = updateChild(state, event.id, event.generation, (c) => {
        if (c.status !== 'starting') return { ...c, lastSeen: event.now };
        if (c.generation > 1) actions.push({ type: 'log', message: `${c.id} (${c.role}, pid ${c.pid ?? '?'}) is ready again` });
        return { ...c, status: 'ready', lastSeen: event.now };
      });
      break;
    case 'seen':
      next = updateChild(state, event.id, event.generation, (c) => ({ ...c, lastSeen: event.now }));
      break;
    case 'exited':
      next = onExit(state, event, actions);
      break;
    case 'tick':
      next = onTick(state, event.now, actions);
      break;
    case 'recycle':
      next = onRecycle(state, event.id, event.now, actions);
      break;
    case 'stop':
      next = onStop(state, event.now, actions);
      break;
  }
  next = settle(next, actions);
  actions.push({ type: 'wake', at: nextDeadline(next) });
  return { state: next, actions };
}

function startAll(state: SupervisorState, now: number, actions: SupervisorAction[]): SupervisorState {
  return { ...state, phase: 'running', children: state.children.map((c) => spawn(c, now, actions)) };
}

function spawn(c: ChildState, now: number, actions: SupervisorAction[]): ChildState {
  const generation = c.generation + 1;
  actions.push({ type: 'spawn', id: c.id, role: c.role, generation });
  return { ...c, status: 'starting', pid: null, generation, startedAt: now, lastSeen: null, restartAt: null, stopDeadline: null, killedFor: null, recycling: false };
}

function updateChild(state: SupervisorState, id: string, generation: number, f: (c: ChildState) => ChildState): SupervisorState {
  let changed = false;
  const children = state.children.map((c) => {
    if (c.id !== id || c.generation !== generation || c.status === 'stopped' || c.status === 'backoff') return c;
    changed = true;
    return f(c);
  });
  return changed ? { ...state, children } : state;
}

function onExit(state: SupervisorState, e: Extract<SupervisorEvent, { type: 'exited' }>, actions: SupervisorAction[]): SupervisorState {
  const child = state.children.find((c) => c.id === e.id);
  // An exit of an incarnation already replaced, or of a child already accounted for, changes nothing.
  if (!child || child.generation !== e.generation || child.status === 'stopped' || child.status === 'backoff') return state;
  const how = e.signal ? `signal ${e.signal}` : `exit code ${e.code}`;
  const lastExit: ExitInfo = { code: e.code, signal: e.signal, at: e.now, killedFor: child.killedFor };
  const period = state.options.intensity.periodMs;
  const down: ChildState = { ...child, status: 'stopped', pid: null, lastExit, stopDeadline: null };
  if (state.phase !== 'running' || state.crashLoop) {
    return replace(state, down);
  }
  const what = `${child.id} (${child.role}${child.pid !== null ? `, pid ${child.pid}` : ''})`;
  if (child.recycling) {
    actions.push({ type: 'log', message: `${what} replaced (memory limit)` });
    return replace(state, spawn({ ...down, restarts: down.restarts + 1 }, e.now, actions));
  }
  const reason = `${child.killedFor ? `killed: ${child.killedFor}` : how}${e.cause ? `: ${e.cause}` : ''}`;
  // A child that died before it was ready is not explained by a trial, whatever it held.
  const explained = e.explained && child.status === 'ready';
  if (explained) {
    actions.push({ type: 'log', message: `${what} died while running trials (${reason}); restarting it` });
    return replace(state, spawn({ ...down, restarts: down.restarts + 1 }, e.now, actions));
  }
  const recent = [...(state.unexplained[child.role] ?? []).filter((t) => e.now - t < period), e.now];
  const unexplained = { ...state.unexplained, [child.role]: recent };
  if (recent.length > state.options.intensity.max) {
    const message =
      `${child.role} crash loop: ${recent.length} deaths in ${Math.round(period / 1000)}s without a trial to blame ` +
      `(limit ${state.options.intensity.max}); last: ${what} ${child.status === 'starting' ? 'before it was ready, ' : ''}${reason}`;
    actions.push({ type: 'crash-loop', role: child.role, id: child.id, message });
    return { ...replace(state, down), unexplained, crashLoop: { role: child.role, id: child.id, message } };
  }
  const deaths = [...child.deaths.filter((t) => e.now - t < period), e.now];
  const delay = restartDelay(deaths.length, state.options.backoff);
  actions.push({ type: 'log', message: `${what} died (${reason}); restarting it${delay > 0 ? ` in ${delay} ms` : ''}` });
  const withDeaths: ChildState = { ...down, deaths, restarts: down.restarts + 1 };
  const next = delay > 0 ? { ...withDeaths, status: 'backoff' as const, restartAt: e.now + delay } : spawn(withDeaths, e.now, actions);
  return { ...replace(state, next), unexplained };
}

/**
 * 0 for the first death in the period, then initial * 2^(n-2), capped.
 *
 * @example
 * restartDelay(3, { initialMs: 100, maxMs: 5000 }); // 200
 */
export function restartDelay(deathsInPeriod: number, backoff: SupervisorOptions['backoff']): number {
  if (deathsInPeriod <= 1) return 0;
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** (deathsInPeriod - 2));
}

function onTick(state: SupervisorState, now: number, actions: SupervisorAction[]): SupervisorState {
  const o = state.options;
  const children = state.children.map((c) => {
    if (c.status === 'backoff' && c.restartAt !== null && now >= c.restartAt && state.phase === 'running' && !state.crashLoop) return spawn(c, now, actions);
    if (c.pid === null || c.killedFor !== null) return c;
    if (c.status === 'ready' && c.lastSeen !== null && now - c.lastSeen >= o.heartbeatTimeoutMs) {
      const killedFor = `no heartbeat for ${Math.round((now - c.lastSeen) / 100) / 10}s (stopped, or blocked by a busy loop)`;
      actions.push({ type: 'kill', id: c.id, generation: c.generation, pid: c.pid, reason: killedFor });
      return { ...c, killedFor };
    }
    if (c.status === 'starting' && c.startedAt !== null && now - c.startedAt >= o.startTimeoutMs) {
      const killedFor = `not ready ${Math.round(o.startTimeoutMs / 1000)}s after start`;
      actions.push({ type: 'kill', id: c.id, generation: c.generation, pid: c.pid, reason: killedFor });
      return { ...c, killedFor };
    }
    if (c.status === 'stopping' && c.stopDeadline !== null && now >= c.stopDeadline) {
      const killedFor = `still running ${Math.round(o.stopTimeoutMs / 1000)}s after it was asked to stop`;
      actions.push({ type: 'kill', id: c.id, generation: c.generation, pid: c.pid, reason: killedFor });
      return { ...c, killedFor };
    }
    return c;
  });
  return { ...state, children };
}

function onRecycle(state: SupervisorState, id: string, now: number, actions: SupervisorAction[]): SupervisorState {
  const c = state.children.find((x) => x.id === id);
  if (!c || c.status !== 'ready' || c.pid === null || state.phase !== 'running') return state;
  actions.push({ type: 'shutdown', id: c.id, generation: c.generation, pid: c.pid });
  return replace(state, { ...c, status: 'stopping', recycling: true, stopDeadline: now + state.options.stopTimeoutMs });
}

function onStop(state: SupervisorState, now: number, actions: SupervisorAction[]): SupervisorState {
  if (state.phase === 'stopping' || state.phase === 'stopped') return state;
  const children = state.children.map((c): ChildState => {
    if (c.status === 'stopped' || c.status === 'backoff') return { ...c, status: 'stopped', restartAt: null };
    if (c.pid === null) return { ...c, status: 'stopping', stopDeadline: now + state.options.stopTimeoutMs, recycling: false };
    if (c.status === 'stopping') return { ...c, recycling: false };
    actions.push({ type: 'shutdown', id: c.id, generation: c.generation, pid: c.pid });
    return { ...c, status: 'stopping', stopDeadline: now + state.options.stopTimeoutMs, recycling: false };
  });
  return { ...state, phase: 'stopping', children };
}

/** Once stopping and every child is down: stopped. */
function settle(state: SupervisorState, actions: SupervisorAction[]): SupervisorState {
  if (state.phase === 'stopping' && state.children.every((c) => c.status === 'stopped')) {
    actions.push({ type: 'stopped' });
    return { ...state, phase: 'stopped' };
  }
  return state;
}

function replace(state: SupervisorState, child: ChildState): SupervisorState {
  return { ...state, children: state.children.map((c) => (c.id === child.id ? child : c)) };
}

/** The earliest moment something is due: a restart, a heartbeat or start deadline, a stop deadline. */
function nextDeadline(state: SupervisorState): number | null {
  const o = state.options;
  let at = Infinity;
  for (const c of state.children) {
    if (c.status === 'backoff' && c.restartAt !== null) at = Math.min(at, c.restartAt);
    if (c.killedFor !== null || c.pid === null) continue;
    if (c.status === 'ready' && c.lastSeen !== null) at = Math.min(at, c.lastSeen + o.heartbeatTimeoutMs);
    if (c.status === 'starting' && c.startedAt !== null) at = Math.min(at, c.startedAt + o.startTimeoutMs);
    if (c.status === 'stopping' && c.stopDeadline !== null) at = Math.min(at, c.stopDeadline);
  }
  return at === Infinity ? null : at;
}
