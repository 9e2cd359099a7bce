import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobData } from './keys.js';

/**
 * BullMQ (pinned to one major version) behind the few operations the executor and the worker need.
 * Jobs are removed when they complete, and failed ones are kept only briefly (bounded), so Redis does
 * not grow with a run.
 */

export type JobState = 'missing' | 'present' | { failed: string };

/** The orchestrator's side: add trials, look at their jobs, withdraw waiting ones. */
export interface TrialQueue {
  /** Adds jobs; a job whose id exists already is left as it is. */
  add(jobs: readonly { id: string; data: JobData }[]): Promise<void>;
  states(ids: readonly string[]): Promise<JobState[]>;
  /** Removes jobs that are not being worked on (waiting, delayed, failed); active ones stay. */
  remove(ids: readonly string[]): Promise<void>;
  /** Jobs waiting or running for a run (what an earlier orchestrator of the run left). */
  live(runId: string): Promise<{ id: string; data: JobData }[]>;
  close(): Promise<void>;
}

/** Failed jobs are kept this long (and at most this many), so the orchestrator can read why. */
const KEEP_FAILED = { age: 24 * 3600, count: 10_000 };

/**
 * @example
 * const queue = bullmqTrialQueue('metaorch', redis);
 * await queue.add([{ id: jobIdOf(runId, 0), data }]);
 */
export function bullmqTrialQueue(name: string, connection: Redis): TrialQueue {
  const queue = new Queue<JobData>(name, { connection, defaultJobOptions: { removeOnComplete: true, removeOnFail: KEEP_FAILED, attempts: 1 } });
  queue.on('error', () => undefined); // connection errors surface through the executor's own connection
  return {
    async add(jobs) {
      if (jobs.length === 0) return;
      await queue.addBulk(jobs.map((j) => ({ name: 'trial', data: j.data, opts: { jobId: j.id } })));
    },
    async states(ids) {
      if (ids.length === 0) return [];
      const pipeline = connection.pipeline();
      // A job's hash always holds its creation timestamp; a failed one also finishedOn and failedReason.
      for (const id of ids) pipeline.hmget(queue.toKey(id), 'timestamp', 'finishedOn', 'failedReason');
      const replies = (await pipeline.exec()) ?? [];
      return replies.map(([error, value]): JobState => {
        if (error) return 'present';
        const [timestamp, finishedOn, failedReason] = value as (string | null)[];
        if (timestamp === null || timestamp === undefined) return 'missing';
        return typeof failedReason === 'string' && finishedOn !== null ? { failed: failedReason } : 'present';
      });
    },
    async remove(ids) {
      await Promise.all(ids.map((id) => queue.remove(id).catch(() => 0)));
    },
    async live(runId) {
      const jobs = await queue.getJobs(['active', 'waiting', 'delayed', 'prioritized'], 0, -1);
      return jobs.filter((j) => j?.data?.r === runId && j.id !== undefined).map((j) => ({ id: j.id as string, data: j.data }));
    },
    async close() {
      await queue.close();
    },
  };
}

export interface TrialWorkerOptions {
  /** Jobs (batches of trials) held at once. */
  concurrency: number;
  /** A job whose worker is silent this long is taken back and given to another. */
  lockMs: number;
  /** A job taken back more often than this fails (its trial errors with kind `process`). */
  maxStalledCount: number;
}

/** The worker's side: a BullMQ Worker calling `process` for each job. */
export interface TrialWorker {
  /** Stops taking jobs; `force` abandons active ones (their locks expire and they run elsewhere). */
  close(force?: boolean): Promise<void>;
}

/** Thrown by `process` for a job that must not be retried (its run is gone). */
export class JobRefused extends UnrecoverableError {}

/**
 * @example
 * const worker = bullmqTrialWorker('metaorch', redis, { concurrency: 50, lockMs: 30_000, maxStalledCount: 2 }, async (data) => { ... });
 */
export function bullmqTrialWorker(
  name: string,
  connection: Redis,
  options: TrialWorkerOptions,
  process: (data: JobData, job: { id: string }) => Promise<void>,
  onError: (error: Error) => void,
): TrialWorker {
  const worker = new Worker<JobData>(
    name,
    (job: Job<JobData>) => process(job.data, { id: job.id ?? '' }),
    {
      connection, concurrency: options.concurrency, lockDuration: options.lockMs, stalledInterval: options.lockMs,
      maxStalledCount: options.maxStalledCount, removeOnComplete: { count: 0 }, removeOnFail: KEEP_FAILED,
    },
  );
  worker.on('error', onError);
  return { close: (force = false) => worker.close(force) };
}
