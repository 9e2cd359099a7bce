import type { ChildProcess } from 'node:child_process';
import { startCli } from './cli.js';

/**
 * Starts `metaorch gateway --config CONFIG --port 0 --db DB` and resolves with its base URL once it
 * prints it (the port is the system's choice); rejects with its output if it exits or stays silent.
 *
 * @example
 * const { child, url } = await startGateway({ config: 'gateway.yaml', db: 'g.db', cwd: dir, env });
 */
export async function startGateway(o: { config: string; db: string; cwd: string; env: Record<string, string> }): Promise<{ child: ChildProcess; url: string }> {
  const child = startCli(['gateway', '--config', o.config, '--port', '0', '--db', o.db], { cwd: o.cwd, env: o.env });
  let out = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start: ${out}`)), 30_000);
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /metaorch gateway: (http:\/\/[\d.]+:\d+)\/v1/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}: ${out}`));
    });
  });
  return { child, url };
}

/** Sends `signal` and resolves once the process has exited (at once if it already has). */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}
