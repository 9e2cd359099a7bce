import Database from 'better-sqlite3';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { startCli } from './cli.js';
import { until } from './until.js';

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

/**
 * Resolves once the gateway's store holds `trial` (`RUN/SEQ`, from `x-metaorch-trial`) with a result,
 * or, with `status: 'scheduled'`, as still in flight. The writer commits on its 50 ms timer, later on a
 * loaded machine: tests wait for the row rather than for a fixed time.
 */
export async function untilRecorded(db: string, trial: string, o: { status?: 'scheduled'; timeoutMs?: number } = {}): Promise<void> {
  const [runId, seq] = trial.split('/');
  const sql = o.status === 'scheduled'
    ? "SELECT 1 FROM trials WHERE run_id = ? AND seq = ? AND status = 'scheduled'"
    : "SELECT 1 FROM trials WHERE run_id = ? AND seq = ? AND status != 'scheduled'";
  await until(() => {
    if (!existsSync(db)) return false;
    const store = new Database(db, { readonly: true });
    try {
      return store.prepare(sql).get(runId, Number(seq)) !== undefined;
    } finally {
      store.close();
    }
  }, o.timeoutMs ?? 10_000, `trial ${trial} to be ${o.status ?? 'recorded'}`);
}
