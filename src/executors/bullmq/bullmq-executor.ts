import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { resolveEnv } from '../../config/env.js';
import type { BullmqExecutorConfig } from '../../config/executor.js';
import { TrialCancelled } from '../../engine/classify.js';
import type { Executor, ExecutorContext } from '../../engine/types.js';
import type { TrialOutcome, TrialSpec } from '../../model/trial.js';
import { runGates, type RunGates } from '../gates.js';
import { erroredOutcome } from '../outcomes.js';
import { toWire, type WireSpec } from '../wire.js';
import { redisKeys, type JobData } from './keys.js';
import { publishRun } from './publish.js';
import { closeRedis, connectRedis, maskUrl, parseRedisUrl, requireNoEviction } from './redis.js';
import { ResultsReader } from './results-stream.js';
import { bullmqTrialQueue, type TrialQueue } from './trial-queue.js';

/** How often jobs of trials in flight are checked (lost with Redis, failed after too many stalls). */
const RECONCILE_MS = 2000;
/** A job found missing this many checks in a row is added again (its results had time to arrive). */
const MISSING_STRIKES = 2;
/** Results of earlier incarnations kept for trials not yet asked for (resume). */
const MAX_EARLY = 100_000;
/** An interrupted run's results stream outlives it this long, for `metaorch resume`. */
const KEEP_RESULTS_S = 7 * 24 * 3600;
/** The trials of one turn of the event loop are spread over at least this many jobs (so several workers share them). */
const SPREAD = 8;

interface Pending {
  spec: TrialSpec;
  resolve(outcome: TrialOutcome): void;
  reject(error: Error): void;
  job: Batch | null;
  /** Jobs of this trial that failed for another reason than stalls (a worker lost Redis mid-job...). */
  failures: number;
}

/** A trial whose jobs fail this often for reasons other than stalls errors with the last reason. */
const MAX_JOB_FAILURES = 3;

/** A job: a batch of trials, known by id until each of its trials is settled. */
interface Batch {
  id: string;
  data: JobData;
  open: Set<number>;
  addedAt: number;
  strikes: number;
  /** A job of one trial that was in a job that failed: if this fails too, that trial is to blame. */
  suspect: boolean;
}

/**
 * The bullmq executor: trials go in batches as BullMQ jobs (ids `RUN-TAG-N`); `metaorch worker`
 * processes on any machine run them and append each outcome to the run's results stream, which this
 * executor reads. The store stays the truth: a job Redis lost is added again under the same id; jobs
 * an earlier orchestrator of the run left behind are adopted on resume instead of enqueued twice;
 * duplicate results of a trial are settled once; results that arrive for trials this process has not
 * asked for yet (a killed orchestrator's) are kept until resume asks.
 *
 * @example
 * const executor = await createBullmqExecutor({ runId, experiment, env: process.env, resumed: false, fail });
 */
export async function createBullmqExecutor(ctx: ExecutorContext): Promise<Executor> {
  const config = ctx.experiment.executor as BullmqExecutorConfig;
  const url = parseRedisUrl(resolveEnv(config.redis, ctx.env), 'executor.redis');
  const shown = maskUrl(url);
  const log = (line: string) => process.stderr.write(`[metaorch bullmq] ${line}\n`);
  let run: BullmqRun | null = null;
  const redis = await connectRedis(url, {
    timeoutMs: config.connectTimeout, where: 'executor.redis',
    onDown: (error) => log(`lost Redis at ${shown} (${error}); waiting for it to come back`),
    onUp: () => {
      log(`Redis at ${shown} is back: publishing the run again and checking every trial in flight`);
      run?.reconnected();
    },
  });
  try {
    await requireNoEviction(redis, url, 'executor.redis');
    run = new BullmqRun(ctx, config, redis, bullmqTrialQueue(config.queue, redis), log);
    await run.open();
    return run;
  } catch (error) {
    closeRedis(redis);
    throw error;
  }
}

class BullmqRun implements Executor {
  readonly name = 'bullmq';
  private readonly keys: ReturnType<typeof redisKeys>;
  private readonly pending = new Map<number, Pending>();
  private readonly early = new Map<number, TrialOutcome>();
  /** Live jobs an earlier orchestrator of this run left, by the trials they hold. */
  private readonly adopted = new Map<number, Batch>();
  private readonly batches = new Map<string, Batch>();
  private readonly gates: RunGates;
  private readonly variantIndex: Map<string, number>;
  private readonly tag = randomBytes(3).toString('hex');
  private counter = 0;
  private tick: Pending[] = [];
  private readonly results: ResultsReader;
  private closed = false;
  private cancelled = false;
  private readonly watched = new WeakSet<AbortSignal>();
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly ctx: ExecutorContext,
    private readonly config: BullmqExecutorConfig,
    private readonly redis: Redis,
    private readonly queue: TrialQueue,
    private readonly log: (line: string) => void,
  ) {
    this.keys = redisKeys(config.queue);
    this.gates = runGates(ctx.experiment, ctx.env);
    this.variantIndex = new Map(ctx.experiment.variants.map((v, i) => [v.id, i]));
    this.results = new ResultsReader(redis.duplicate(), redis, this.keys.results(ctx.runId), (outcome) => this.receive(outcome));
  }

  /** Publishes the run for the workers, adopts what an earlier orchestrator left, starts reading results. */
  async open(): Promise<void> {
    await this.publish();
    if (this.ctx.resumed) {
      for (const job of await this.queue.live(this.ctx.runId)) {
        const batch: Batch = { id: job.id, data: job.data, open: new Set(job.data.b.map((w) => w[0])), addedAt: Date.now(), strikes: 0, suspect: false };
        this.batches.set(batch.id, batch);
        for (const seq of batch.open) this.adopted.set(seq, batch);
      }
      if (this.adopted.size) this.log(`adopting ${this.adopted.size} trial(s) still queued or running from an earlier orchestrator of this run`);
    }
    this.results.start();
    this.timers.push(setInterval(() => void this.reconcile(), RECONCILE_MS));
    for (const t of this.timers) t.unref();
  }

  async run(spec: TrialSpec, cancel: AbortSignal): Promise<TrialOutcome> {
    this.watch(cancel);
    if (cancel.aborted) throw new TrialCancelled();
    const known = this.early.get(spec.seq);
    if (known) {
      this.early.delete(spec.seq);
      return known;
    }
    const release = await this.gates.acquire(spec.variantId, cancel);
    try {
      return await new Promise<TrialOutcome>((resolve, reject) => {
        const p: Pending = { spec, resolve, reject, job: null, failures: 0 };
        this.pending.set(spec.seq, p);
        const adopted = this.adopted.get(spec.seq);
        if (adopted) {
          this.adopted.delete(spec.seq);
          p.job = adopted;
          return;
        }
        this.tick.push(p);
        if (this.tick.length === 1) setImmediate(() => void this.flush());
      });
    } finally {
      release();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    const unfinished = this.pending.size > 0;
    const jobs = this.liveJobIds();
    this.cancelAll();
    try {
      if (jobs.length) await this.queue.remove(jobs);
      await this.redis.multi().hdel(this.keys.runs, this.ctx.runId).del(this.keys.run(this.ctx.runId)).exec();
      // A finished run's results are all read; an interrupted one's may still come, for resume.
      if (this.cancelled || unfinished) await this.redis.expire(this.keys.results(this.ctx.runId), KEEP_RESULTS_S);
      else await this.redis.del(this.keys.results(this.ctx.runId));
    } catch {
      // Redis is gone: what is left there expires with it, or is adopted by the next resume.
    }
    await this.results.close(closeRedis);
    await this.queue.close().catch(() => undefined);
    closeRedis(this.redis);
  }

  /** After an outage: the run is published again and every job in flight is checked at once. */
  reconnected(): void {
    void this.publish().catch(() => undefined);
    this.results.rewind();
    void this.reconcile();
  }

  private async publish(): Promise<void> {
    const published = JSON.stringify(publishRun(this.ctx.experiment, process.cwd()));
    await this.redis.multi().set(this.keys.run(this.ctx.runId), published).hset(this.keys.runs, this.ctx.runId, String(Date.now())).exec();
  }

  /** The trials of this turn of the event loop, as jobs of at most `batch` trials spread over several. */
  private async flush(): Promise<void> {
    const trials = this.tick;
    this.tick = [];
    const live = trials.filter((p) => this.pending.get(p.spec.seq) === p);
    if (live.length === 0) return;
    const size = Math.max(1, Math.min(this.config.batch, Math.ceil(live.length / SPREAD)));
    const jobs: Batch[] = [];
    for (let i = 0; i < live.length; i += size) jobs.push(this.newBatch(live.slice(i, i + size), false));
    await this.add(jobs);
  }

  private newBatch(trials: Pending[], suspect: boolean): Batch {
    const b: WireSpec[] = trials.map((p) => toWire(p.spec, this.variantIndex.get(p.spec.variantId) ?? -1, this.ctx.experiment.tasks));
    const batch: Batch = {
      id: `${this.ctx.runId}-${this.tag}-${++this.counter}`, data: { r: this.ctx.runId, b }, open: new Set(trials.map((p) => p.spec.seq)),
      addedAt: Date.now(), strikes: 0, suspect,
    };
    this.batches.set(batch.id, batch);
    for (const p of trials) p.job = batch;
    return batch;
  }

  private async add(jobs: Batch[]): Promise<void> {
    try {
      await this.queue.add(jobs.map((j) => ({ id: j.id, data: j.data })));
    } catch (error) {
      // Redis is away: the reconciler adds them again (same ids) once it is back.
      if (!this.closed) this.log(`could not enqueue ${jobs.length} job(s): ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private receive(outcome: TrialOutcome): void {
    const p = this.pending.get(outcome.seq);
    if (p) {
      this.settle(p, outcome);
      return;
    }
    // Not asked for in this process: a killed orchestrator's trial (resume will ask), or a duplicate.
    if (this.early.size >= MAX_EARLY) this.early.delete(this.early.keys().next().value as number);
    this.early.set(outcome.seq, outcome);
  }

  private settle(p: Pending, outcome: TrialOutcome): void {
    this.pending.delete(p.spec.seq);
    if (p.job) {
      p.job.open.delete(p.spec.seq);
      if (p.job.open.size === 0) this.batches.delete(p.job.id);
    }
    p.resolve(outcome);
  }

  /**
   * Trusts the store, not the queue: a job with trials in flight that is missing twice in a row
   * (Redis lost it) is added again under the same id; one that failed (its workers kept dying) has
   * its trials run again alone, and a trial that fails alone errors with kind `process`.
   */
  private async reconcile(): Promise<void> {
    if (this.closed || this.redis.status !== 'ready') return;
    const now = Date.now();
    const due = [...this.batches.values()].filter((b) => now - b.addedAt >= RECONCILE_MS && this.hasPending(b));
    if (due.length === 0) return;
    let states;
    try {
      states = await this.queue.states(due.map((b) => b.id));
    } catch {
      return;
    }
    const again: Batch[] = [];
    const failed: string[] = [];
    const alone: Batch[] = [];
    due.forEach((batch, i) => {
      const state = states[i];
      if (state === 'missing') {
        if (++batch.strikes < MISSING_STRIKES) return;
        batch.strikes = 0;
        // Only the trials still in flight here go back (same id: a no-op if the job reappeared).
        batch.data = { r: batch.data.r, b: batch.data.b.filter((w) => this.pending.get(w[0])?.job === batch) };
        again.push(batch);
      } else if (state === 'present' || state === undefined) {
        batch.strikes = 0;
      } else {
        failed.push(batch.id);
        this.batches.delete(batch.id);
        const trials = batch.data.b.map((w) => this.pending.get(w[0])).filter((p): p is Pending => p?.job === batch);
        if (!/stall/i.test(state.failed)) {
          // Not the trials' doing (a worker lost Redis mid-job, say): they go again, a few times.
          const retry = trials.filter((p) => ++p.failures < MAX_JOB_FAILURES);
          for (const p of trials) if (p.failures >= MAX_JOB_FAILURES) this.settle(p, this.failedOutcome(p, state.failed));
          if (retry.length) again.push(this.newBatch(retry, batch.suspect));
        } else if (batch.suspect || trials.length === 1) {
          for (const p of trials) this.settle(p, this.failedOutcome(p, state.failed));
        } else {
          for (const p of trials) alone.push(this.newBatch([p], true));
        }
      }
    });
    if (again.length) {
      this.log(`${again.length} job(s) with trials in flight are gone from Redis (or failed on a worker): adding them again`);
      await this.add(again);
    }
    if (alone.length) {
      this.log(`a job failed (${alone.length} trials; its workers kept dying or stalling): running each of its trials alone`);
      await this.add(alone);
    }
    if (failed.length) await this.queue.remove(failed).catch(() => undefined);
  }

  private failedOutcome(p: Pending, reason: string): TrialOutcome {
    const stalled = /stall/i.test(reason);
    const message = this.gates.redact(stalled ? `the workers running this trial kept dying or stalling (${reason})` : `the worker failed this trial's job: ${reason}`);
    return erroredOutcome(p.spec, this.ctx.experiment, { kind: stalled ? 'process' : 'unknown', message, retryable: false });
  }

  private hasPending(batch: Batch): boolean {
    for (const seq of batch.open) if (this.pending.get(seq)?.job === batch) return true;
    return false;
  }

  private liveJobIds(): string[] {
    return [...this.batches.values()].filter((b) => this.hasPending(b)).map((b) => b.id);
  }

  private watch(cancel: AbortSignal): void {
    if (this.watched.has(cancel)) return;
    this.watched.add(cancel);
    cancel.addEventListener('abort', () => {
      this.cancelled = true;
      const jobs = this.liveJobIds();
      this.cancelAll();
      void this.queue.remove(jobs).catch(() => undefined);
    }, { once: true });
  }

  private cancelAll(): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    this.tick = [];
    for (const p of all) p.reject(new TrialCancelled());
  }
}
