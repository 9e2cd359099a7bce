import { DEFAULT_SUPERVISOR_OPTIONS, initialSupervisorState, supervise, type ChildSpec, type SupervisorAction, type SupervisorEvent, type SupervisorOptions, type SupervisorState } from './core.js';
import type { ChildHandle, Clock, ProcessInfo, ProcessManager } from './types.js';
import { systemClock } from './types.js';

export interface SupervisorHooks {
  /** A message from a child (after the supervisor noted it as a sign of life). */
  message?(id: string, generation: number, message: unknown): void;
  /** A child is ready: it may be given work. */
  up?(id: string, generation: number, handle: ChildHandle): void;
  /** A child is gone (called before it is restarted). */
  down?(id: string, generation: number, how: ExitDescription): void;
  /** True when the child was running work when it died (that work is blamed, not the child). */
  explained?(id: string, generation: number): boolean;
  crashLoop?(message: string): void;
  log?(message: string): void;
}

/** How a child ended: its exit code or signal, why the supervisor killed it (if it did), its last stderr lines. */
export interface ExitDescription {
  code: number | null;
  signal: string | null;
  killedFor: string | null;
  cause?: string;
}

interface Live {
  handle: ChildHandle;
  generation: number;
  role: string;
}

/**
 * The shell around the pure supervisor: feeds it events (spawns, messages, exits, time) and performs
 * its actions (spawn, kill, shutdown, timers) through the injected process manager and clock.
 *
 * @example
 * const sup = new Supervisor([{ id: 'producer-1', role: 'producer' }], forkProcessManager(entries), { up, down });
 * await sup.start();   // resolves when every child is ready
 * await sup.stop();
 */
export class Supervisor {
  private state: SupervisorState;
  private readonly live = new Map<string, Live>();
  private readonly metrics = new Map<string, { done: number; doneBefore: number; rss: number | null }>();
  private cancelWake: (() => void) | null = null;
  private wakeAt: number | null = null;
  private stoppedWaiters: (() => void)[] = [];
  private readyWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];

  constructor(
    children: readonly ChildSpec[],
    private readonly manager: ProcessManager,
    private readonly hooks: SupervisorHooks = {},
    options: SupervisorOptions = DEFAULT_SUPERVISOR_OPTIONS,
    private readonly clock: Clock = systemClock,
  ) {
    this.state = initialSupervisorState(children, options);
    for (const c of children) this.metrics.set(c.id, { done: 0, doneBefore: 0, rss: null });
  }

  /** Starts every child; resolves once all are ready, rejects on a crash loop before that. */
  start(): Promise<void> {
    const ready = this.allReady();
    this.dispatch({ type: 'start', now: this.clock.now() });
    return ready;
  }

  /** Resolves when every child is ready (at once if they are). */
  allReady(): Promise<void> {
    if (this.state.crashLoop) return Promise.reject(new Error(this.state.crashLoop.message));
    if (this.state.phase === 'running' && this.state.children.every((c) => c.status === 'ready')) return Promise.resolve();
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  /** Asks every child to stop (killed after the stop timeout); resolves when all are gone. */
  stop(): Promise<void> {
    if (this.state.phase === 'stopped' || this.state.phase === 'idle') {
      this.clearWake();
      return Promise.resolve();
    }
    const done = new Promise<void>((resolve) => this.stoppedWaiters.push(resolve));
    this.dispatch({ type: 'stop', now: this.clock.now() });
    return done;
  }

  /** Replaces a child gracefully (a producer over its memory limit, once its work is done). */
  recycle(id: string): void {
    this.dispatch({ type: 'recycle', id, now: this.clock.now() });
  }

  get crashLoop(): string | null {
    return this.state.crashLoop?.message ?? null;
  }

  /** The handle of a ready child, for sending it work. */
  handle(id: string): ChildHandle | null {
    const c = this.state.children.find((x) => x.id === id);
    return c?.status === 'ready' ? (this.live.get(id)?.handle ?? null) : null;
  }

  /** Every child: role, pid, state, restarts, work done, memory. */
  processes(): ProcessInfo[] {
    return this.state.children.map((c) => {
      const m = this.metrics.get(c.id);
      return {
        id: c.id, role: c.role, pid: c.pid, state: c.status, restarts: c.restarts, done: (m?.doneBefore ?? 0) + (m?.done ?? 0),
        rss: m?.rss ?? null, startedAt: c.startedAt, lastExit: c.lastExit,
      };
    });
  }

  private dispatch(event: SupervisorEvent): void {
    const { state, actions } = supervise(this.state, event);
    const before = this.state;
    this.state = state;
    for (const action of actions) this.perform(action);
    this.notifyTransitions(before);
  }

  private perform(action: SupervisorAction): void {
    switch (action.type) {
      case 'spawn':
        this.spawn(action.id, action.role, action.generation);
        break;
      case 'kill':
        this.hooks.log?.(`killing ${action.id} (pid ${action.pid}): ${action.reason}`);
        this.signal(action.id, action.generation, 'SIGKILL');
        break;
      case 'shutdown': {
        const live = this.live.get(action.id);
        if (live?.generation === action.generation && !live.handle.send({ t: 'shutdown' })) live.handle.kill('SIGTERM');
        break;
      }
      case 'wake':
        this.scheduleWake(action.at);
        break;
      case 'crash-loop':
        this.hooks.crashLoop?.(action.message);
        for (const w of this.readyWaiters.splice(0)) w.reject(new Error(action.message));
        break;
      case 'log':
        this.hooks.log?.(action.message);
        break;
      case 'stopped':
        this.clearWake();
        for (const resolve of this.stoppedWaiters.splice(0)) resolve();
        break;
    }
  }

  private spawn(id: string, role: string, generation: number): void {
    const metrics = this.metrics.get(id);
    if (metrics) {
      metrics.doneBefore += metrics.done;
      metrics.done = 0;
      metrics.rss = null;
    }
    let exited = false;
    const onExit = (code: number | null, signal: string | null, cause: string | undefined) => {
      if (exited) return;
      exited = true;
      const live = this.live.get(id);
      if (live?.generation === generation) this.live.delete(id);
      const explained = this.hooks.explained?.(id, generation) ?? false;
      const state = this.state.children.find((c) => c.id === id);
      const killedFor = state?.generation === generation ? state.killedFor : null;
      this.hooks.down?.(id, generation, { code, signal, killedFor, ...(cause ? { cause } : {}) });
      this.dispatch({ type: 'exited', id, generation, code, signal, now: this.clock.now(), explained, ...(cause ? { cause } : {}) });
    };
    let handle: ChildHandle;
    try {
      handle = this.manager.spawn({ id, role, generation }, {
        onMessage: (message) => this.onMessage(id, generation, message),
        onExit,
      });
    } catch (error) {
      // The program could not start at all: a death before ready, reported after this action.
      queueMicrotask(() => onExit(null, null, error instanceof Error ? error.message : String(error)));
      return;
    }
    this.live.set(id, { handle, generation, role });
    this.dispatch({ type: 'spawned', id, generation, pid: handle.pid, now: this.clock.now() });
  }

  private onMessage(id: string, generation: number, message: unknown): void {
    const m = message as { t?: unknown; rss?: unknown; done?: unknown } | null;
    const now = this.clock.now();
    if (m?.t === 'ready') this.dispatch({ type: 'ready', id, generation, now });
    else this.dispatch({ type: 'seen', id, generation, now });
    if (m?.t === 'hb') {
      const metrics = this.metrics.get(id);
      if (metrics && this.live.get(id)?.generation === generation) {
        if (typeof m.rss === 'number') metrics.rss = m.rss;
        if (typeof m.done === 'number') metrics.done = m.done;
      }
    }
    this.hooks.message?.(id, generation, message);
  }

  /** Tells the hooks about children that became ready, and resolves start() once all are. */
  private notifyTransitions(before: SupervisorState): void {
    for (const c of this.state.children) {
      const prev = before.children.find((p) => p.id === c.id);
      if (c.status === 'ready' && (prev?.status !== 'ready' || prev.generation !== c.generation)) {
        const live = this.live.get(c.id);
        if (live) this.hooks.up?.(c.id, c.generation, live.handle);
      }
    }
    if (this.state.phase === 'running' && this.state.children.every((c) => c.status === 'ready')) {
      for (const w of this.readyWaiters.splice(0)) w.resolve();
    }
  }

  private signal(id: string, generation: number, signal: NodeJS.Signals): void {
    const live = this.live.get(id);
    if (live?.generation !== generation) return;
    try {
      live.handle.kill(signal);
    } catch {
      // already gone: its exit is on its way
    }
  }

  private scheduleWake(at: number | null): void {
    if (at === this.wakeAt) return;
    this.clearWake();
    if (at === null) return;
    this.wakeAt = at;
    this.cancelWake = this.clock.at(at, () => {
      this.cancelWake = null;
      this.wakeAt = null;
      this.dispatch({ type: 'tick', now: this.clock.now() });
    });
  }

  private clearWake(): void {
    this.cancelWake?.();
    this.cancelWake = null;
    this.wakeAt = null;
  }
}
