import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCli } from './cli.js';

/** A `metaorch worker` child process and what it printed. */
export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  output(): string;
  exited: Promise<number | null>;
}

/**
 * Starts `metaorch worker --redis URL --wait ...` (waiting for a run, so it may start first).
 *
 * @example
 * const w = startWorker(redis.url, dir, ['--concurrency', '20']);
 */
export function startWorker(redisUrl: string, cwd: string, args: string[] = [], env: Record<string, string | undefined> = {}): WorkerProcess {
  const child = startCli(['worker', '--redis', redisUrl, '--wait', ...args], { cwd, env });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += String(d)));
  child.stderr?.on('data', (d: Buffer) => (out += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, pid: child.pid as number, output: () => out, exited };
}

/** Stops a worker gracefully (SIGTERM) and waits for it. */
export async function stopWorker(w: WorkerProcess): Promise<void> {
  if (w.child.exitCode !== null || w.child.signalCode !== null) return;
  w.child.kill('SIGTERM');
  const timer = setTimeout(() => w.child.kill('SIGKILL'), 15_000);
  await w.exited;
  clearTimeout(timer);
}

/**
 * An experiment of module variants (the durability fixture's agent: each call logs itself and answers
 * `<variant>:<task>` after 1-30 ms) on the bullmq executor.
 */
export function bullmqExperiment(dir: string, o: { tasks: number; queue: string; concurrency?: number; retries?: number; batch?: number; repeats?: number; agent: string; tasksFile: string }): string {
  const file = join(dir, 'exp.yaml');
  writeFileSync(file, [
    'name: chaos-bullmq', 'mode: grid', 'seed: 9', `repeats: ${o.repeats ?? 1}`, `concurrency: ${o.concurrency ?? 40}`, 'timeout: 30s', `retries: ${o.retries ?? 1}`,
    'prompt: "Echo {{n}}"', `tasks: { file: ${o.tasksFile}, limit: ${o.tasks} }`,
    `executor: { type: bullmq, redis: "\${REDIS_URL}", queue: ${o.queue}${o.batch ? `, batch: ${o.batch}` : ''} }`, 'variants:',
    ...['v0', 'v1', 'v2'].map((v) => `  - { id: ${v}, adapter: module, file: ${o.agent}, export: ${v} }`), '',
  ].join('\n'));
  return file;
}
