import { readdirSync, readFileSync } from 'node:fs';

/**
 * Process inspection through /proc, for tests that kill, stop and count real processes.
 */

interface Stat {
  pid: number;
  ppid: number;
  state: string;
  /** Start time after boot, in clock ticks. */
  start: number;
}

function stat(pid: number): Stat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: parse after the last ')'.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, state: rest[0] ?? '?', ppid: Number(rest[1]), start: Number(rest[19]) };
  } catch {
    return null;
  }
}

function allStats(): Stat[] {
  const out: Stat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (s) out.push(s);
  }
  return out;
}

/** Direct children of `pid`, with the moment each started (ms since boot). */
export function childrenOf(pid: number): { pid: number; startedMs: number }[] {
  return allStats()
    .filter((s) => s.ppid === pid && s.state !== 'Z')
    .map((s) => ({ pid: s.pid, startedMs: (s.start * 1000) / 100 }));
}

/** Every process below `pid` (children, grandchildren...). */
export function descendantsOf(pid: number): number[] {
  const all = allStats();
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift() as number;
    for (const s of all) {
      if (s.ppid !== p || s.state === 'Z') continue;
      found.push(s.pid);
      queue.push(s.pid);
    }
  }
  return found;
}

/** Milliseconds since boot, on the clock /proc start times use. */
export function uptimeMs(): number {
  return Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000;
}

/** True while the process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const s = stat(pid);
  return s !== null && s.state !== 'Z';
}

/** The process's state letter: R running, S sleeping, T stopped, Z zombie; null when gone. */
export function processState(pid: number): string | null {
  return stat(pid)?.state ?? null;
}

/** Waits until none of `pids` is alive; returns the ones still alive after `timeoutMs`. */
export async function waitGone(pids: readonly number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alive = pids.filter(isAlive);
    if (alive.length === 0 || Date.now() > deadline) return alive;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Kills whatever of `pids` is still alive (a failed test must not leave processes behind). */
export function killAll(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}
