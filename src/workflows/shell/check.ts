/**
 * Runs a `check` step's command: through `sh -c` (it is the user's own command line, written in their
 * document, like an npm script), in its own process group, killed with the whole group at its timeout
 * or on cancel. Its exit status is the verdict; the end of its output (stdout and stderr, interleaved)
 * is what a failed check sends back to the step that fixes it.
 */
import { spawn } from 'node:child_process';
import { killGroup, trackGroup } from '../../adapters/exec-group.js';

/** Output kept for feedback and the state: the last lines, at most this many bytes. */
const TAIL_BYTES = 4000;
const GRACE_MS = 1000;

export interface CheckResult {
  /** null when it was killed (timeout or cancel). */
  exitCode: number | null;
  output: string;
  timedOut: boolean;
}

/**
 * @example
 * const r = await runCheck('npm test', '/repo', 120_000, signal);
 */
export function runCheck(command: string, cwd: string, timeoutMs: number, signal: AbortSignal, env: NodeJS.ProcessEnv = process.env): Promise<CheckResult> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32' });
    const untrack = trackGroup(child);
    let tail = '';
    let timedOut = false;
    const keep = (chunk: Buffer) => {
      tail += chunk.toString('utf8');
      if (tail.length > TAIL_BYTES * 4) tail = tail.slice(-TAIL_BYTES * 2);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const stop = () => {
      killGroup(child, 'SIGTERM');
      setTimeout(() => killGroup(child, 'SIGKILL'), GRACE_MS).unref();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      tail += `\n(killed: no result within ${Math.round(timeoutMs / 1000)}s)`;
      stop();
    }, timeoutMs);
    const onAbort = () => stop();
    signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e) => {
      tail += `\ncannot run sh: ${e.message}`;
    });
    child.on('exit', () => killGroup(child, 'SIGKILL'));
    child.on('close', (code) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      untrack();
      const text = tail.length > TAIL_BYTES ? `...${tail.slice(-TAIL_BYTES)}` : tail;
      resolve({ exitCode: timedOut || signal.aborted ? null : code, output: text.trimEnd(), timedOut });
    });
  });
}
