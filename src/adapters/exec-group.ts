import type { ChildProcess } from 'node:child_process';

/** Groups still running, killed if this process exits first (a crash, process.exit in the CLI). */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Sends a signal to the child's whole process group (the child leads it: spawned with `detached`).
 * A group that is already gone is not an error. On Windows, where groups do not exist, only the
 * child is signalled.
 *
 * @example
 * killGroup(child, 'SIGTERM');
 */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    if (process.platform === 'win32') child.kill(signal);
    else process.kill(-child.pid, signal);
  } catch {
    // ESRCH: nothing left in the group.
  }
}

/**
 * Remembers a running child so its group is SIGKILLed if this process exits before it; returns the
 * function that forgets it.
 *
 * @example
 * const untrack = trackGroup(child);
 * child.on('close', untrack);
 */
export function trackGroup(child: ChildProcess): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Detached groups survive their parent; an orchestrator that dies must not leave agents running.
    process.on('exit', () => {
      for (const running of live) killGroup(running, 'SIGKILL');
    });
  }
  live.add(child);
  return () => void live.delete(child);
}

/**
 * The process groups this process's running commands lead (their leaders' pids). A pool producer
 * reports them in its heartbeat, so the master can end them if the producer is killed with SIGKILL,
 * which gives its exit hook no chance to.
 *
 * @example
 * liveGroups(); // [48211, 48230]
 */
export function liveGroups(): number[] {
  const pids: number[] = [];
  for (const child of live) if (child.pid !== undefined) pids.push(child.pid);
  return pids;
}
