import type { Experiment } from '../../config/experiment.js';
import type { BackoffOptions } from '../../engine/retry.js';
import type { Executor } from '../../engine/types.js';
import type { ExitDescription, SupervisorHooks } from '../../supervisor/supervisor.js';
import type { ChildHandle } from '../../supervisor/types.js';
import { erroredOutcome, retriesOf } from '../outcomes.js';
import type { WireSpec } from '../wire.js';
import { PoolRun, type Trial } from './pool-run.js';
import type { FromProducer, ToProducer } from './protocol.js';

/**
 * A trial whose producer is killed from outside this many times is given up on (kind `process`): the
 * OOM killer may be answering a trial that leaks; an operator's kills are never that many.
 */
const MAX_OUTSIDE_KILLS = 50;

interface Producer {
  id: string;
  generation: number;
  handle: ChildHandle;
  inFlight: Set<Trial>;
  /** Runs whose experiment this incarnation has received. */
  runs: Set<string>;
  /** A suspect running alone here: if the process dies now, that trial did it. */
  solo: Trial | null;
  /** Takes no new trials: making room for a suspect, or about to be replaced (memory). */
  draining: 'solo' | 'recycle' | null;
}

export interface PoolOptions {
  /** A producer over this resident memory is replaced once its trials are done. */
  maxMemoryBytes?: number;
  log?: (line: string) => void;
}

/** What a run on the pool needs: its id, its validated experiment, where to report a failure. */
export interface PoolRunContext {
  runId: string;
  experiment: Experiment;
  backoff?: BackoffOptions;
  fail(error: Error): void;
}

/**
 * The master's side of the pool: it hands trial specs to ready producers in batches (one message per
 * producer and turn of the event loop), resolves outcomes as they come back, and decides what a
 * producer's death means for the trials it held:
 * - the only trial in flight, or one running alone: it is charged with the death and runs again alone,
 *   until it has killed its process more times than its retries allow; then it errors with kind `process`;
 * - one of several: nobody can tell which did it, so each runs again alone (a suspect), uncharged;
 * - killed with SIGKILL by someone else (not the supervisor): no trial did it; they all run again.
 * Producers are supervised elsewhere (a Supervisor whose hooks are `pool.hooks`); the pool only needs
 * to hear when one is up or down, and what it says.
 *
 * @example
 * const pool = new ProducerPool({});
 * const supervisor = new Supervisor(children, processes, pool.hooks);
 * pool.attach((id) => supervisor.recycle(id));
 * const executor = pool.openRun({ runId, experiment, fail });
 */
export class ProducerPool {
  private readonly producers = new Map<string, Producer>();
  private readonly runs = new Map<string, PoolRun>();
  private queue: Trial[] = [];
  private suspects: Trial[] = [];
  private scheduled = false;
  private failure: Error | null = null;
  private recycle: (id: string) => void = () => {};

  constructor(private readonly options: PoolOptions = {}) {}

  /** The supervisor hooks for the producer children. */
  readonly hooks: SupervisorHooks = {
    up: (id, generation, handle) => {
      this.producers.set(id, { id, generation, handle, inFlight: new Set(), runs: new Set(), solo: null, draining: null });
      this.schedule();
    },
    down: (id, generation, how) => this.onDown(id, generation, how),
    explained: (id, generation) => {
      const p = this.producers.get(id);
      return p !== undefined && p.generation === generation && p.inFlight.size > 0;
    },
    message: (id, generation, message) => this.onMessage(id, generation, message as FromProducer),
    crashLoop: (message) => this.failAll(new Error(message)),
  };

  /** How the pool asks its supervisor to replace a producer (memory limit). */
  attach(recycle: (id: string) => void): void {
    this.recycle = recycle;
  }

  /**
   * Replaces every producer with a fresh process, gracefully: each takes no new trial, finishes the
   * ones it holds and is then restarted by its supervisor, so no trial is lost (a new topic gets
   * fresh producers, seed 003's decision 6). Trials queued meanwhile wait for the fresh ones.
   */
  renewAll(): number {
    let renewed = 0;
    for (const p of this.producers.values()) {
      if (p.draining === 'recycle') continue;
      p.draining = 'recycle';
      renewed++;
      if (p.inFlight.size === 0) this.recycle(p.id);
    }
    return renewed;
  }

  /** Producers ready for work. */
  get readyCount(): number {
    return this.producers.size;
  }

  /**
   * An executor for one run on these producers. Closing it ends the run on the producers; the
   * producers stay (they serve other runs).
   */
  openRun(ctx: PoolRunContext): Executor {
    if (this.runs.has(ctx.runId)) throw new Error(`run ${ctx.runId} is already executing on this pool`);
    const run = new PoolRun(this, ctx);
    this.runs.set(ctx.runId, run);
    if (this.failure) queueMicrotask(() => ctx.fail(this.failure as Error));
    return run;
  }

  /** @internal */
  enqueue(trial: Trial): void {
    this.queue.push(trial);
    this.schedule();
  }

  /** @internal Forgets a run's trials (cancelled) and tells the producers holding them. */
  cancelRun(run: PoolRun): void {
    const drop = (t: Trial) => t.run === run;
    this.queue = this.queue.filter((t) => !drop(t));
    this.suspects = this.suspects.filter((t) => !drop(t));
    for (const p of this.producers.values()) {
      for (const t of p.inFlight) if (drop(t)) p.inFlight.delete(t);
      if (p.solo && drop(p.solo)) p.solo = null;
      if (p.runs.has(run.ctx.runId)) this.send(p, { t: 'cancel', runId: run.ctx.runId });
    }
    this.schedule();
  }

  /** @internal */
  closeRun(run: PoolRun): void {
    this.cancelRun(run);
    this.runs.delete(run.ctx.runId);
    for (const p of this.producers.values()) {
      if (p.runs.delete(run.ctx.runId)) this.send(p, { t: 'end', runId: run.ctx.runId });
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.dispatch());
  }

  private dispatch(): void {
    this.scheduled = false;
    const ready = [...this.producers.values()];
    if (ready.length === 0) return;
    this.dispatchSuspects(ready);
    const eligible = ready.filter((p) => p.solo === null && p.draining === null);
    if (eligible.length === 0 || this.queue.length === 0) return;
    const batches = new Map<Producer, Trial[]>();
    for (const trial of this.queue) {
      // The least loaded producer takes the next trial, so a batch spreads evenly.
      let best = eligible[0] as Producer;
      for (const p of eligible) if (p.inFlight.size < best.inFlight.size) best = p;
      best.inFlight.add(trial);
      trial.producer = best;
      let batch = batches.get(best);
      if (!batch) batches.set(best, (batch = []));
      batch.push(trial);
    }
    this.queue = [];
    for (const [p, trials] of batches) this.sendTrials(p, trials);
  }

  /**
   * Suspects run alone on an idle producer. When none is idle, one producer (at most half of them,
   * and always leaving one for regular work when there are several) stops taking new trials until it is.
   */
  private dispatchSuspects(ready: Producer[]): void {
    while (this.suspects.length > 0) {
      const idle = ready.find((p) => p.inFlight.size === 0 && p.solo === null && p.draining !== 'recycle');
      if (!idle) {
        const busyAlone = ready.filter((p) => p.solo !== null || p.draining === 'solo').length;
        if (busyAlone < Math.max(1, Math.floor(ready.length / 2))) {
          const candidates = ready.filter((p) => p.solo === null && p.draining === null);
          let pick: Producer | null = null;
          for (const p of candidates) if (!pick || p.inFlight.size < pick.inFlight.size) pick = p;
          if (pick) pick.draining = 'solo';
        }
        return;
      }
      const trial = this.suspects.shift() as Trial;
      idle.draining = null;
      idle.solo = trial;
      idle.inFlight.add(trial);
      trial.producer = idle;
      this.sendTrials(idle, [trial]);
    }
  }

  private sendTrials(p: Producer, trials: Trial[]): void {
    const byRun = new Map<PoolRun, WireSpec[]>();
    const now = performance.now();
    for (const t of trials) {
      t.sentAt = now;
      let specs = byRun.get(t.run);
      if (!specs) byRun.set(t.run, (specs = []));
      specs.push(t.wire);
    }
    for (const [run, specs] of byRun) {
      const runId = run.ctx.runId;
      if (!p.runs.has(runId)) {
        p.runs.add(runId);
        this.send(p, { t: 'run', runId, experiment: run.wireExperiment, ...(run.ctx.backoff ? { backoff: run.ctx.backoff } : {}) });
      }
      this.send(p, { t: 'trials', runId, specs });
    }
  }

  private send(p: Producer, message: ToProducer): void {
    // A closed channel means the producer is dying: its trials come back through onDown.
    p.handle.send(message);
  }

  private onMessage(id: string, generation: number, message: FromProducer): void {
    const p = this.producers.get(id);
    if (!p || p.generation !== generation) return;
    if (message.t === 'outcomes') {
      const run = this.runs.get(message.runId);
      for (const outcome of message.outcomes) {
        const trial = run?.trials.get(outcome.seq);
        if (!trial || trial.producer !== p) continue;
        p.inFlight.delete(trial);
        if (p.solo === trial) p.solo = null;
        run?.settle(trial, outcome);
      }
      if (p.draining === 'recycle' && p.inFlight.size === 0) this.recycle(p.id);
      this.schedule();
    } else if (message.t === 'hb') {
      const max = this.options.maxMemoryBytes;
      if (max !== undefined && message.rss > max && p.draining !== 'recycle') {
        this.options.log?.(`${id} uses ${Math.round(message.rss / 2 ** 20)} MB (limit ${Math.round(max / 2 ** 20)} MB): replacing it once its trials are done`);
        p.draining = 'recycle';
        if (p.inFlight.size === 0) this.recycle(p.id);
      }
    }
  }

  private onDown(id: string, generation: number, how: ExitDescription): void {
    const p = this.producers.get(id);
    if (!p || p.generation !== generation) return;
    this.producers.delete(id);
    const lone = p.inFlight.size === 1;
    const now = performance.now();
    const what = describeExit(how);
    // SIGKILL from outside (the supervisor did not send it) is no trial's doing: an operator, a test,
    // or the kernel's OOM killer. Its trials simply run again, up to a limit (a trial that keeps its
    // process running out of memory is given up on).
    const outside = how.signal === 'SIGKILL' && how.killedFor === null;
    const requeue: Trial[] = [];
    for (const trial of p.inFlight) {
      trial.producer = null;
      if (outside) {
        if (++trial.killedOutside <= MAX_OUTSIDE_KILLS) requeue.push(trial);
        else this.giveUp(trial, [{ latencyMs: now - trial.sentAt, how: what }], `its producer was killed with SIGKILL ${trial.killedOutside} times while running it (out of memory?)`);
      } else if (trial.suspect || lone) this.charge(trial, now - trial.sentAt, what);
      else {
        trial.suspect = true;
        this.suspects.push(trial);
      }
    }
    p.inFlight.clear();
    if (requeue.length) this.queue = [...requeue, ...this.queue];
    this.schedule();
  }

  /** The trial killed its process (as far as anyone can tell): run it again alone, or give up. */
  private charge(trial: Trial, latencyMs: number, how: string): void {
    trial.deaths.push({ latencyMs, how });
    const retries = retriesOf(trial.run.ctx.experiment, trial.spec.variantId);
    if (trial.deaths.length <= retries) {
      trial.suspect = true;
      this.suspects.push(trial);
      return;
    }
    const n = trial.deaths.length;
    this.giveUp(trial, trial.deaths, `the producer process died while running this trial${n > 1 ? ` alone, ${n} times` : ''} (${how})`);
  }

  private giveUp(trial: Trial, deaths: { latencyMs: number; how: string }[], why: string): void {
    const error = { kind: 'process' as const, message: trial.run.redact(why), retryable: false };
    const attempts = deaths.map((d, i) => ({ n: i + 1, latencyMs: d.latencyMs, error: { ...error, message: trial.run.redact(`producer died (${d.how})`), retryable: i < deaths.length - 1 } }));
    trial.run.settle(trial, erroredOutcome(trial.spec, trial.run.ctx.experiment, error, attempts));
  }

  private failAll(error: Error): void {
    this.failure ??= error;
    for (const run of this.runs.values()) run.ctx.fail(error);
  }
}

/** `exit code 1: Error: boom`, `killed: no heartbeat for 10s ...`, `signal SIGKILL`. */
function describeExit(how: ExitDescription): string {
  const base = how.killedFor ? `killed: ${how.killedFor}` : how.signal ? `signal ${how.signal}` : `exit code ${how.code}`;
  const last = how.cause?.split('\n').filter((l) => l.trim()).pop();
  return last ? `${base}; last stderr line: ${last.slice(0, 300)}` : base;
}
