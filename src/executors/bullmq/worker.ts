import type { Redis } from 'ioredis';
import { AdapterError } from '../../adapters/errors.js';
import { envReferences } from '../../config/env.js';
import { runTrial } from '../../engine/run-trial.js';
import { buildRuntime, type TrialRuntime } from '../../engine/runtime.js';
import { warmRuntime } from '../../engine/warm.js';
import { UsageError } from '../../model/errors.js';
import type { TrialOutcome } from '../../model/trial.js';
import { ScorerFailure } from '../../scoring/types.js';
import { erroredOutcome } from '../outcomes.js';
import { fromWire, type WireSpec } from '../wire.js';
import { redisKeys } from './keys.js';
import { ResultsWriter } from './results-stream.js';
import { rebaseRun, workerName, type MissingFile, type PublishedRun } from './publish.js';
import { closeRedis, connectRedis, maskUrl, parseRedisUrl, requireNoEviction } from './redis.js';
import { bullmqTrialWorker, JobRefused, type TrialWorker } from './trial-queue.js';

export interface WorkerOptions {
  redis: string;
  queue: string;
  concurrency: number;
  /** Folder that module, javascript-scorer and variant files resolve against. */
  project: string;
  /** BullMQ lock: a job whose worker is silent this long runs elsewhere. */
  lockMs: number;
  maxStalledCount: number;
  /** Wait for a run to be published instead of exiting 2. */
  wait: boolean;
  connectTimeoutMs: number;
  env: NodeJS.ProcessEnv;
  log(line: string): void;
}

export interface RunningWorker {
  /** Stops taking jobs and waits for active ones (`force`: abandons them; they run elsewhere). */
  stop(force?: boolean): Promise<void>;
  /** Trials run so far. */
  done(): number;
  /** Resolves when the worker refused a run it cannot serve (its secrets are not set here). */
  refused: Promise<UsageError>;
}

interface RunHandle {
  runtime: TrialRuntime;
  published: PublishedRun;
}

/**
 * `metaorch worker`: executes a BullMQ queue's trials with `runTrial`, the function every executor
 * ends in. A run's experiment is read from Redis the first time one of its jobs arrives; its
 * `${ENV}` references resolve from this worker's environment, and its files against `--project`.
 * Outcomes go to the run's results stream before the job completes.
 *
 * @example
 * const worker = await startWorker({ redis: 'redis://localhost:6379', queue: 'metaorch', concurrency: 50, ... });
 * await worker.stop();
 */
export async function startWorker(o: WorkerOptions): Promise<RunningWorker> {
  const url = parseRedisUrl(o.redis, '--redis');
  const shown = maskUrl(url);
  const redis = await connectRedis(url, {
    timeoutMs: o.connectTimeoutMs, where: '--redis',
    onDown: (error) => o.log(`lost Redis at ${shown} (${error}); waiting for it to come back`),
    onUp: () => o.log(`Redis at ${shown} is back`),
  });
  try {
    await requireNoEviction(redis, url, '--redis');
    const keys = redisKeys(o.queue);
    let runs = await redis.hkeys(keys.runs);
    if (runs.length === 0 && !o.wait) {
      throw new UsageError(
        `no run is published on queue '${o.queue}' at ${shown}: start one first (executor: { type: bullmq, queue: ${o.queue} }), or pass --wait to wait for it`,
      );
    }
    if (runs.length === 0) o.log(`waiting for a run on queue '${o.queue}' at ${shown}...`);
    while (runs.length === 0) {
      await new Promise((r) => setTimeout(r, 500));
      runs = await redis.hkeys(keys.runs);
    }
    // A worker without a run's secrets would fail every trial it takes: refuse now, with the names.
    for (const runId of runs) {
      const published = await readRun(redis, keys.run(runId));
      if (published) requireEnv(runId, published, o.env);
    }
    const handles = new RunCache(redis, keys, o);
    const results = new ResultsWriter(redis, keys.results);
    let done = 0;
    let refuse: (error: UsageError) => void = () => {};
    const refused = new Promise<UsageError>((resolve) => (refuse = resolve));
    let refusedOnce = false;
    let worker: TrialWorker | null = null;
    const slots = new Semaphore(o.concurrency);
    worker = bullmqTrialWorker(o.queue, redis, { concurrency: o.concurrency, lockMs: o.lockMs, maxStalledCount: o.maxStalledCount }, async (data) => {
      let handle: RunHandle;
      try {
        handle = await handles.get(data.r);
      } catch (error) {
        if (error instanceof UsageError && !refusedOnce) {
          // This worker cannot serve the run: it stops; the jobs it holds run elsewhere.
          refusedOnce = true;
          refuse(error);
        }
        throw error;
      }
      // A job is a batch: its trials run side by side (at most --concurrency across jobs), and each
      // outcome is appended as soon as it is known; the job completes when all are.
      await Promise.all(data.b.map(async (wire) => {
        const release = await slots.acquire();
        try {
          await results.push(data.r, await runOne(data.r, wire, handle));
          done++;
        } finally {
          release();
        }
      }));
    }, (error) => o.log(`queue error: ${error.message}`));
    o.log(`metaorch worker ${workerName()} on queue '${o.queue}' at ${shown}: concurrency ${o.concurrency}, project ${o.project}; runs published: ${runs.join(', ')}`);
    return {
      async stop(force = false) {
        await worker?.close(force);
        await handles.close();
        closeRedis(redis);
      },
      done: () => done,
      refused,
    };
  } catch (error) {
    closeRedis(redis);
    throw error;
  }
}

/** Trials on a worker are not cancelled from outside: they run to their end (timeouts included). */
const NEVER = new AbortController().signal;

async function runOne(runId: string, wire: WireSpec, handle: RunHandle): Promise<TrialOutcome> {
  const e = handle.published.experiment;
  let spec;
  try {
    spec = fromWire(runId, wire, e);
  } catch (error) {
    throw new JobRefused(error instanceof Error ? error.message : String(error));
  }
  try {
    return await runTrial(spec, handle.runtime, NEVER);
  } catch (error) {
    const message = handle.runtime.redact(error instanceof Error ? error.message : String(error));
    return erroredOutcome(spec, e, { kind: 'unknown', message, retryable: false });
  }
}

async function readRun(redis: Redis, key: string): Promise<PublishedRun | null> {
  const text = await redis.get(key);
  return text ? (JSON.parse(text) as PublishedRun) : null;
}

function requireEnv(runId: string, published: PublishedRun, env: NodeJS.ProcessEnv): void {
  const e = published.experiment;
  const missing = [...envReferences([e.variants, e.scorers])].filter((name) => env[name] === undefined || env[name] === '');
  if (missing.length) {
    throw new UsageError(
      `run ${runId} needs ${missing.map((n) => `\${${n}}`).join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not set in this worker's environment (${workerName()}): set ${missing.length === 1 ? 'it' : 'them'} and start the worker again`,
    );
  }
}

/** Each run's runtime, built once from its published experiment. */
class RunCache {
  private readonly runs = new Map<string, Promise<RunHandle>>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: ReturnType<typeof redisKeys>,
    private readonly o: WorkerOptions,
  ) {}

  get(runId: string): Promise<RunHandle> {
    let handle = this.runs.get(runId);
    if (!handle) {
      handle = this.load(runId);
      this.runs.set(runId, handle);
      handle.catch(() => this.runs.delete(runId));
      if (this.runs.size > 20) {
        const oldest = this.runs.keys().next().value as string;
        void this.runs.get(oldest)?.then((h) => h.runtime.close()).catch(() => undefined);
        this.runs.delete(oldest);
      }
    }
    return handle;
  }

  async close(): Promise<void> {
    await Promise.all([...this.runs.values()].map((h) => h.then((x) => x.runtime.close()).catch(() => undefined)));
  }

  private async load(runId: string): Promise<RunHandle> {
    const published = await readRun(this.redis, this.keys.run(runId));
    if (!published) throw new JobRefused(`run ${runId} is not published on queue '${this.o.queue}' any more (it ended or was stopped)`);
    requireEnv(runId, published, this.o.env);
    const { experiment, missing } = rebaseRun(published, this.o.project);
    for (const m of missing) this.o.log(`run ${runId}: ${m.owner}: file not found: ${m.resolved} (written ${m.written}, resolved against --project ${this.o.project}); its trials will error`);
    const usable = withoutMissing(experiment, missing);
    const runtime = buildRuntime(usable, this.o.env);
    patchMissing(runtime, experiment, missing, this.o.project);
    // Before this worker's first trial of the run is timed: SDKs, modules, the engine's code.
    await warmRuntime(runtime);
    this.o.log(`run ${runId} (${experiment.name}): ${experiment.variants.length} variant(s), ${experiment.tasks.length} task(s)`);
    return { runtime, published: { ...published, experiment } };
  }
}

/** The experiment minus the scorers whose files are missing (they are put back as failing scorers). */
function withoutMissing(experiment: PublishedRun['experiment'], missing: MissingFile[]): PublishedRun['experiment'] {
  const gone = new Set(missing.map((m) => m.owner));
  return { ...experiment, scorers: experiment.scorers.filter((s, i) => !gone.has(`scorer ${i + 1} (${s.type})`)) };
}

/** A missing file is a clear, non-retryable error on each trial that needs it, not a crash. */
function patchMissing(runtime: TrialRuntime, experiment: PublishedRun['experiment'], missing: MissingFile[], project: string): void {
  const why = (m: MissingFile) => `${m.owner}: file not found on worker ${workerName()}: ${m.resolved} (written ${m.written}, resolved against --project ${project})`;
  for (const m of missing) {
    const variant = experiment.variants.find((v) => `variant ${v.id}` === m.owner);
    const v = variant ? runtime.variants.get(variant.id) : undefined;
    if (v) {
      v.retries = 0;
      v.adapter = { kind: 'missing-file', call: () => Promise.reject(new AdapterError('client', why(m), { retryable: false })) };
    }
  }
  const scorers = experiment.scorers.flatMap((s, i) => {
    const m = missing.find((x) => x.owner === `scorer ${i + 1} (${s.type})`);
    return m ? [{ scorer: { name: s.type, score: () => { throw new ScorerFailure(s.type, why(m)); } }, weight: s.weight }] : [];
  });
  runtime.scorers.push(...scorers);
}

/** At most `size` trials in flight across the jobs a worker holds. */
class Semaphore {
  private used = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async acquire(): Promise<() => void> {
    if (this.used >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.used++;
    return () => {
      const next = this.waiting.shift();
      if (next) next();
      else this.used--;
    };
  }
}
