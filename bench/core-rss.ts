import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';

/** What a child process did: exit code, output, wall time and peak resident set size. */
export interface Measured {
  code: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
  peakRssMb: number;
  /** User + system CPU seconds of the process (GNU time only). */
  cpuSec: number | null;
  /** How the peak was measured: `wait4 (GNU time)` is exact; `/proc VmHWM` is polled. */
  rssSource: string;
}

/**
 * Runs `node ARGS` to completion and measures its peak RSS: exactly with GNU time (`%M`, the child's
 * ru_maxrss) when /usr/bin/time exists, else by polling /proc/PID/status VmHWM (itself a high-water mark).
 *
 * @example
 * const m = await measureNode(['dist/cli/main.js', 'run', 'exp.yaml'], { cwd });
 */
export async function measureNode(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Measured> {
  const useTime = existsSync(GNU_TIME);
  const scratch = mkdtempSync(join(tmpdir(), 'metaorch-rss-'));
  const timeFile = join(scratch, 'maxrss');
  const [cmd, argv] = useTime ? [GNU_TIME, ['-f', '%M %U %S', '-o', timeFile, process.execPath, ...args]] : [process.execPath, args];
  const started = performance.now();
  const child = spawn(cmd, argv, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let polledKb = 0;
  const poll = setInterval(() => {
    if (useTime || child.pid === undefined) return;
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) polledKb = Math.max(polledKb, Number(m[1]));
    } catch {
      // the process has just exited
    }
  }, 10);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearInterval(poll);
  const wallMs = performance.now() - started;
  let peakKb = polledKb;
  let cpuSec: number | null = null;
  if (useTime && existsSync(timeFile)) {
    // The last line is "maxrss user sys" (a line before it may say the command exited non-zero).
    const [kb, user, sys] = (readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '').split(' ').map(Number);
    peakKb = kb ?? 0;
    cpuSec = (user ?? 0) + (sys ?? 0);
  }
  rmSync(scratch, { recursive: true, force: true });
  return { code, stdout, stderr, wallMs, peakRssMb: peakKb / 1024, cpuSec, rssSource: useTime ? 'wait4 (GNU time)' : '/proc VmHWM' };
}
