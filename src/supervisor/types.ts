/**
 * What the supervisor shell needs from the world, injected so the decisions can be tested with fake
 * processes and a fake clock, and the real thing with real processes.
 */

/** A running child and its message channel (the transport). */
export interface ChildHandle {
  readonly pid: number;
  /** Sends a message over the child's channel; false when the channel is gone. */
  send(message: unknown): boolean;
  kill(signal: NodeJS.Signals): void;
}

export interface ChildCallbacks {
  onMessage(message: unknown): void;
  /** Called once, when the process is gone; `cause` is the tail of what it wrote to stderr. */
  onExit(code: number | null, signal: string | null, cause: string | undefined): void;
}

/**
 * Starts child processes. `spawn` may throw (the program cannot start): the shell treats it as a
 * death before ready.
 *
 * @example
 * const handle = processes.spawn({ id: 'producer-1', role: 'producer', generation: 1 }, callbacks);
 */
export interface ProcessManager {
  spawn(child: { id: string; role: string; generation: number }, callbacks: ChildCallbacks): ChildHandle;
}

/** Time and timers: `Date.now`/`setTimeout` in production, a hand-driven clock in tests. */
export interface Clock {
  now(): number;
  /** Calls `fn` at time `at` (or soon after); returns a function that cancels it. */
  at(at: number, fn: () => void): () => void;
}

/** The real clock: `Date.now` and unref'd timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  at(at, fn) {
    const timer = setTimeout(fn, Math.max(0, at - Date.now()));
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/** Messages every supervised child sends: `ready` once it can work, `hb` (heartbeat) periodically. */
export interface ReadyMessage {
  t: 'ready';
}
export interface HeartbeatMessage {
  t: 'hb';
  /** Resident memory, bytes. */
  rss: number;
  /** Work items done since the child started (trials, requests). */
  done: number;
}

/** One child as `GET /api/processes` and the dashboard show it. */
export interface ProcessInfo {
  id: string;
  role: string;
  pid: number | null;
  state: 'starting' | 'ready' | 'backoff' | 'stopping' | 'stopped';
  restarts: number;
  /** Work done by this child across its restarts. */
  done: number;
  /** Resident memory in bytes, from its last heartbeat (null before the first). */
  rss: number | null;
  startedAt: number | null;
  lastExit: { code: number | null; signal: string | null; at: number; killedFor: string | null } | null;
}
