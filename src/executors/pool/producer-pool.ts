import type { Experiment } from '../../config/experiment.js';
import type { BackoffOptions } from '../../engine/retry.js';
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
  /** Its place among the pool's producers (`producer-3` is 2), which fixes its share of each run's concurrency. */
  slot: number | null;
  /** Trials of each run held here, running or waiting there for the run's limit. */
  load: Map<PoolRun, number>;
  /** Who waits for a run's runtime to be warmed here (`prepare`), by run id. */
  warming: Map<string, () => void>;
  /** Process groups of the commands it ran at its last heartbeat: ended with it. */
  groups: number[];
}

export interface PoolOptions {
  /** A producer over this resident memory is replaced once its trials are done. */
  maxMemoryBytes?: number;
  /**
   * How many producers the supervisor keeps (`producer-1` to `producer-N`). Each run's concurrency is
   * then shared among them and each producer enforces its share, so the engine may hand over more
   * trials than that (`PoolRun.prefetch`): they wait on the producers, not a round trip away.
   */
  producers?: number;
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
      this.producers.set(id, { id, generation, handle, inFlight: new Set(), runs: new Set(), solo: null, draining: null, slot: slotOf(id, this.options.producers), load: new Map(), warming: new Map(), groups: [] });
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

  /** How many producers a run's concurrency is shared among (null: not shared, no per-producer limit). */
  get slots(): number | null {
    return this.options.producers ?? null;
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
  openRun(ctx: PoolRunContext): PoolRun {
    if (this.runs.has(ctx.runId)) throw new Error(`run ${ctx.runId} is already executing on this pool`);
    const run = new PoolRun(this, ctx);
    this.runs.set(ctx.runId, run);
    if (this.failure) queueMicrotask(() => ctx.fail(this.failure as Error));
    return run;
  }

  /**
   * Sends the run to every ready producer now and resolves once each has built and warmed its
   * runtime (or has died), so the run's first trials do not share the producers with that work.
   */
  prepare(run: PoolRun): Promise<void> {
    const waits = [...this.producers.values()].map((p) => new Promise<void>((resolve) => {
      p.warming.set(run.ctx.runId, resolve);
      this.sendRun(p, run);
    }));
    return Promise.all(waits).then(() => undefined);
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
      for (const t of p.inFlight) if (drop(t)) release(p, t);
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
    const waiting: Trial[] = [];
    for (const trial of this.queue) {
      // The least loaded producer with room for the trial's run takes it, so a batch spreads evenly.
      let best: Producer | null = null;
      for (const p of eligible) {
        if ((p.load.get(trial.run) ?? 0) >= this.capacity(p, trial.run)) continue;
        if (!best || p.inFlight.size < best.inFlight.size) best = p;
      }
      if (!best) {
        waiting.push(trial);
        continue;
      }
      take(best, trial);
      let batch = batches.get(best);
      if (!batch) batches.set(best, (batch = []));
      batch.push(trial);
    }
    this.queue = waiting;
    for (const [p, trials] of batches) this.sendTrials(p, trials);
  }

  /**
   * Suspects run alone on an idle producer. When none is idle, one producer (at most half of them,
   * and always leaving one for regular work when there are several) stops taking new trials until it is.
   */
  private dispatchSuspects(ready: Producer[]): void {
    while (this.suspects.length > 0) {
      const next = this.suspects[0] as Trial;
      const idle = ready.find((p) => p.inFlight.size === 0 && p.solo === null && p.draining !== 'recycle' && this.limit(p, next.run) > 0);
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
      take(idle, trial);
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
      this.sendRun(p, run);
      this.send(p, { t: 'trials', runId: run.ctx.runId, specs });
    }
  }

  /** Gives the producer the run's experiment, once per incarnation. */
  private sendRun(p: Producer, run: PoolRun): void {
    const runId = run.ctx.runId;
    if (p.runs.has(runId)) return;
    p.runs.add(runId);
    const limit = this.limit(p, run);
    this.send(p, { t: 'run', runId, experiment: run.wireExperiment, ...(run.ctx.backoff ? { backoff: run.ctx.backoff } : {}), ...(Number.isFinite(limit) ? { limit } : {}) });
  }

  /** How many of the run's trials may run on this producer at once (its share of the run's concurrency). */
  private limit(p: Producer, run: PoolRun): number {
    const slots = this.options.producers;
    return slots === undefined || p.slot === null ? Number.POSITIVE_INFINITY : concurrencyShare(run.ctx.experiment.concurrency, p.slot, slots);
  }

  /** How many of the run's trials the producer may hold: its share running, and `prefetchFor(share)` waiting. */
  private capacity(p: Producer, run: PoolRun): number {
    const limit = this.limit(p, run);
    return limit + prefetchFor(limit);
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
        release(p, trial);
        if (p.solo === trial) p.solo = null;
        run?.settle(trial, outcome);
      }
      if (p.draining === 'recycle' && p.inFlight.size === 0) this.recycle(p.id);
      this.schedule();
    } else if (message.t === 'warmed') {
      p.warming.get(message.runId)?.();
      p.warming.delete(message.runId);
    } else if (message.t === 'hb') {
      p.groups = message.groups ?? [];
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
    // A producer killed with SIGKILL could not end the commands it had started (exec variants run in
    // their own process groups): end them here, or they would outlive the run.
    for (const group of p.groups) killProcessGroup(group);
    for (const resolve of p.warming.values()) resolve();
    p.warming.clear();
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
    p.load.clear();
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

/**
 * Producer `slot` of `slots`'s share of a run's concurrency: the shares add up to it exactly, so the
 * producers together never run more of the run's trials at once than the run allows.
 *
 * @example
 * [0, 1, 2].map((slot) => concurrencyShare(8, slot, 3)); // [3, 3, 2]
 */
export function concurrencyShare(concurrency: number, slot: number, slots: number): number {
  return Math.floor(concurrency / slots) + (slot < concurrency % slots ? 1 : 0);
}

/**
 * Trials a producer may hold beyond its share, waiting there: as many again. A freed slot is then
 * refilled on the producer while the master, a round trip away, sends the next ones; the margin also
 * covers the master's own pauses (a batch commit, a collection) of up to one call's duration.
 *
 * @example
 * prefetchFor(50); // 50
 */
export function prefetchFor(share: number): number {
  return Number.isFinite(share) ? share : 0;
}

/** `producer-3` of a pool of `producers` is slot 2; anything else has no slot (no per-producer share). */
function slotOf(id: string, producers: number | undefined): number | null {
  const n = /^producer-(\d+)$/.exec(id)?.[1];
  const slot = n === undefined ? null : Number(n) - 1;
  return producers === undefined || slot === null || slot >= producers ? null : slot;
}

function killProcessGroup(leader: number): void {
  try {
    process.kill(-leader, 'SIGKILL');
  } catch {
    // ESRCH: the group ended with its producer, or before.
  }
}

function take(p: Producer, trial: Trial): void {
  p.inFlight.add(trial);
  p.load.set(trial.run, (p.load.get(trial.run) ?? 0) + 1);
  trial.producer = p;
}

function release(p: Producer, trial: Trial): void {
  if (!p.inFlight.delete(trial)) return;
  const left = (p.load.get(trial.run) ?? 1) - 1;
  if (left > 0) p.load.set(trial.run, left);
  else p.load.delete(trial.run);
}

/** `exit code 1: Error: boom`, `killed: no heartbeat for 10s ...`, `signal SIGKILL`. */
function describeExit(how: ExitDescription): string {
  const base = how.killedFor ? `killed: ${how.killedFor}` : how.signal ? `signal ${how.signal}` : `exit code ${how.code}`;
  const last = how.cause?.split('\n').filter((l) => l.trim()).pop();
  return last ? `${base}; last stderr line: ${last.slice(0, 300)}` : base;
}
