import type { ChildProcess } from 'node:child_process';
import { AdapterError } from './errors.js';
import { killGroup, trackGroup } from './exec-group.js';
import { StderrTail } from './exec-stderr.js';
import { redact } from './provider-errors.js';

/** Time a command gets to exit after SIGTERM before its whole group is SIGKILLed. */
export const KILL_GRACE_MS = 1000;

/** One command to run. */
export interface ProcessSpec {
  /** Program and arguments; never passed through a shell. */
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Written to the child's stdin, then closed; without it stdin is /dev/null. */
  stdin?: string;
  signal: AbortSignal;
  maxStdoutBytes: number;
  /** Values blanked out of the stderr tail in error messages (credentials the command was given). */
  secrets?: readonly string[];
}

/** A command that exited 0. */
export interface ProcessResult {
  stdout: Buffer;
  stderrBytes: number;
  /** The end of stderr (its last 64 KB), for parsers that read statistics there. */
  stderr: string;
}

/**
 * A command that ran and failed (non-zero exit or a signal). It may have spent tokens nobody
 * reported, so its usage is unknown; its output is kept for parsers that read a JSON error there
 * (a CLI agent that reports an upstream 429 on stdout and exits 1).
 */
export class ProcessExitError extends AdapterError {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super('process', message, { retryable: false, usageUnknown: true });
  }
}

/**
 * Runs a command as the leader of its own process group and collects its stdout. On abort it rejects
 * at once with `signal.reason`, SIGTERMs the group and SIGKILLs it after {@link KILL_GRACE_MS}, so
 * no grandchild outlives the trial; when the command exits by itself, whatever it left running in its
 * group is killed too. A non-zero exit or a signal is a non-retryable `process` error carrying the
 * exit status and the tail of stderr.
 *
 * @example
 * const { stdout } = await runProcess({ argv: ['echo', 'hi'], cwd: '.', env: process.env, signal, maxStdoutBytes: 1e6 });
 */
export function runProcess(spec: ProcessSpec): Promise<ProcessResult> {
  spec.signal.throwIfAborted();
  const name = spec.argv[0] ?? '';
  return new Promise<ProcessResult>((resolve, reject) => {
    let child: ChildProcess;
    try {
      // Taken on first use: every run loads this module (through the adapter registry), and Node's
      // child_process with its net and dgram layers is 5-10 ms of start-up for runs that spawn nothing.
      child = process.getBuiltinModule('node:child_process').spawn(name, spec.argv.slice(1), {
        cwd: spec.cwd,
        env: spec.env,
        stdio: [spec.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        // Its own process group, so one kill reaches every grandchild (POSIX only).
        detached: process.platform !== 'win32',
        windowsHide: true,
      });
    } catch (err) {
      // Synchronous failures: a NUL byte in an argument, an invalid cwd type...
      reject(startError(name, spec.cwd, err));
      return;
    }
    const untrack = trackGroup(child);
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    const stderr = new StderrTail();
    let settled = false;

    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      spec.signal.removeEventListener('abort', onAbort);
      outcome();
    };
    const terminate = (): void => {
      killGroup(child, 'SIGTERM');
      setTimeout(() => killGroup(child, 'SIGKILL'), KILL_GRACE_MS);
    };
    const onAbort = (): void => {
      terminate();
      finish(() => reject(spec.signal.reason as unknown));
    };
    spec.signal.addEventListener('abort', onAbort, { once: true });

    child.stdout?.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > spec.maxStdoutBytes) {
        killGroup(child, 'SIGKILL');
        const message = `exec: ${name} wrote more than ${spec.maxStdoutBytes} bytes to stdout (maxOutputBytes); killed`;
        finish(() => reject(new AdapterError('invalid_output', message, { retryable: false })));
        return;
      }
      stdout.push(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    // A command that exits without reading its input closes the pipe: not an error of ours.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(spec.stdin);

    child.on('error', (err) => {
      killGroup(child, 'SIGKILL');
      untrack();
      finish(() => reject(startError(name, spec.cwd, err)));
    });
    // Background jobs the command left behind would hold stdout open and outlive the trial.
    child.on('exit', () => killGroup(child, 'SIGKILL'));
    child.on('close', (code, signal) => {
      untrack();
      finish(() => {
        const out = Buffer.concat(stdout);
        if (code === 0) {
          resolve({ stdout: out, stderrBytes: stderr.bytes, stderr: stderr.text() });
          return;
        }
        const status = signal ? `was killed by ${signal}` : `exited with code ${code ?? 'unknown'}`;
        // Some CLIs report failures on stdout only (claude -p prints its JSON error and exits 1).
        const shown = stderr.bytes > 0 || out.length === 0 ? stderr.describe() : `stderr: (empty)\n${tailOf(out).describe('stdout')}`;
        const tail = redact(shown, spec.secrets ?? []);
        reject(new ProcessExitError(`exec: ${name} ${status}\n${tail}`, code, out.toString('utf8'), stderr.text()));
      });
    });
  });
}

function tailOf(buffer: Buffer): StderrTail {
  const tail = new StderrTail();
  tail.push(buffer);
  return tail;
}

function startError(name: string, cwd: string, err: unknown): AdapterError {
  const code = (err as { code?: unknown }).code;
  const hint =
    code === 'ENOENT'
      ? ` (not found on PATH, or the directory ${cwd} does not exist)`
      : code === 'E2BIG'
        ? ' (the prompt is too long for an argument: use input: stdin)'
        : code === 'EACCES'
          ? ' (not executable)'
          : '';
  const what = typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
  return new AdapterError('process', `exec: cannot start ${name}: ${what}${hint}`, { retryable: false, cause: err });
}
