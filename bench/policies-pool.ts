/**
 * Runs the policy bench's independent repetitions on every core: one child process per core, each
 * started with this process's flags (so tsx's loader comes along), fed jobs one at a time over IPC.
 * The simulator stays pure and single-threaded; parallelism lives here, at the edge.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { PolicyConfig } from '../src/policies/registry.js';
import { bernoulliArms } from '../src/simulate/environments.js';
import { identifyBest, type IdentifyResult } from '../src/simulate/identify.js';
import { runRepetition } from '../src/simulate/runner.js';

export type Job =
  | { kind: 'regret'; means: number[]; policy: PolicyConfig; horizon: number; batch: number; checkpoints: number[]; seed: number; rep: number }
  | { kind: 'identify'; means: number[]; policy: PolicyConfig; delta: number; seed: number; maxTrials: number };

export type JobResult = { kind: 'regret'; regret: number[] } | ({ kind: 'identify' } & IdentifyResult);

/** Runs one job in this process. */
export function runJob(job: Job): JobResult {
  if (job.kind === 'regret') {
    const regret = runRepetition(bernoulliArms(job.means), job.policy, job, job.seed, job.rep);
    return { kind: 'regret', regret: Array.from(regret) };
  }
  return { kind: 'identify', ...identifyBest(job) };
}

const WORKER_FLAG = '--policies-bench-worker';

/** True in a child started by `runAll`; the child then serves jobs until its parent disconnects. */
export function isWorker(): boolean {
  return process.argv.includes(WORKER_FLAG);
}

export function serveJobs(): void {
  process.on('message', (message: { id: number; job: Job }) => {
    process.send?.({ id: message.id, result: runJob(message.job) });
  });
}

/**
 * Runs every job, `workers` at a time, and returns the results in job order. `onDone` is told after
 * each, for progress.
 */
export async function runAll(jobs: readonly Job[], onDone?: (done: number) => void, workers = availableParallelism()): Promise<JobResult[]> {
  const results = new Array<JobResult>(jobs.length);
  const entry = fileURLToPath(new URL('./policies.bench.ts', import.meta.url));
  let next = 0;
  let done = 0;
  const children: ChildProcess[] = [];
  await new Promise<void>((resolve, reject) => {
    const feed = (child: ChildProcess): void => {
      if (next >= jobs.length) {
        child.disconnect();
        if (done === jobs.length) resolve();
        return;
      }
      const id = next++;
      child.send({ id, job: jobs[id] });
    };
    for (let w = 0; w < Math.min(workers, jobs.length); w++) {
      const child = fork(entry, [WORKER_FLAG], { execArgv: process.execArgv });
      children.push(child);
      child.on('message', (message: { id: number; result: JobResult }) => {
        results[message.id] = message.result;
        done++;
        onDone?.(done);
        feed(child);
      });
      child.on('error', reject);
      child.on('exit', (code) => {
        if (code !== 0 && done < jobs.length) reject(new Error(`bench worker exited with code ${code}`));
      });
      feed(child);
    }
    if (jobs.length === 0) resolve();
  });
  return results;
}
