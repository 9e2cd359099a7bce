import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The `metaorch` bin, which runs the built CLI's bundle with its code cache: end-to-end tests run
 * exactly what a user runs (`npm test` builds first).
 */
export const CLI = resolve(import.meta.dirname, '../../bin/metaorch.cjs');
export const REPO = resolve(import.meta.dirname, '../..');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Environment for CLI runs: no colour, no TTY progress, and no inherited store location. */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env['METAORCH_DB'];
  Object.assign(env, extra);
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete env[k];
  return env;
}

/** Starts `metaorch ARGS` as a real child process (after `--`, as the bin's shebang runs it). */
export function startCli(args: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): ChildProcess {
  return spawn(process.execPath, ['--', CLI, ...args], { cwd: options.cwd ?? REPO, env: cliEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Runs `metaorch ARGS` to completion and collects its output.
 *
 * @example
 * const r = await runCli(['validate', 'exp.yaml'], { cwd: dir });
 * expect(r.code).toBe(0);
 */
export function runCli(args: string[], options: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number } = {}): Promise<CliResult> {
  const child = startCli(args, options);
  return collect(child, options.timeoutMs ?? 60_000);
}

export function collect(child: ChildProcess, timeoutMs = 60_000): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI timed out after ${timeoutMs}ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(prefix = 'metaorch-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
