import type { Experiment } from '../../config/experiment.js';
import { TrialCancelled } from '../../engine/classify.js';
import type { Executor } from '../../engine/types.js';
import type { TrialOutcome, TrialSpec } from '../../model/trial.js';
import { runGates, type RunGates } from '../gates.js';
import { toWire, type WireSpec } from '../wire.js';
import { concurrencyShare, prefetchFor, type PoolRunContext, type ProducerPool } from './producer-pool.js';

/** A trial handed to the pool: where it is, and what its producers' deaths have cost it. */
export interface Trial {
  run: PoolRun;
  spec: TrialSpec;
  wire: WireSpec;
  resolve(outcome: TrialOutcome): void;
  reject(error: Error): void;
  /** The producer running it (an opaque handle of the pool), null while queued. */
  producer: object | null;
  /** Must run alone: it was in flight when a producer died, so it may be what killed it. */
  suspect: boolean;
  /** Deaths of a producer this trial ran alone on (or was the only trial of). */
  deaths: { latencyMs: number; how: string }[];
  /** Times its producer was killed with SIGKILL by someone else (an operator, the OOM killer). */
  killedOutside: number;
  sentAt: number;
}

/**
 * One run's view of the pool: the Executor the engine uses (made by `ProducerPool.openRun`).
 *
 * @example
 * const outcome = await pool.openRun({ runId, experiment, fail }).run(spec, cancel);
 */
export class PoolRun implements Executor {
  readonly name = 'pool';
  readonly trials = new Map<number, Trial>();
  readonly wireExperiment: Experiment;
  readonly redact: (text: string) => string;
  private readonly variantIndex: Map<string, number>;
  private readonly gates: RunGates;
  private readonly watched = new WeakSet<AbortSignal>();

  constructor(
    private readonly pool: ProducerPool,
    readonly ctx: PoolRunContext,
  ) {
    this.variantIndex = new Map(ctx.experiment.variants.map((v, i) => [v.id, i]));
    this.gates = runGates(ctx.experiment);
    // Concurrency and rate limits are applied here, across every producer: a producer enforcing
    // them as well would only see its share.
    this.wireExperiment = { ...ctx.experiment, variants: ctx.experiment.variants.map(({ maxConcurrency: _m, rateLimit: _r, ...v }) => v) };
    this.redact = this.gates.redact;
  }

  /**
   * Trials the engine may hand over beyond the run's concurrency: each producer runs its share of it
   * at once and keeps the rest waiting beside it, so a finished trial's slot is refilled there at once
   * instead of after a round trip through the master. None at concurrency 1: a run asked to go one
   * trial at a time (each chosen, or its prompt built, knowing every result before it) stays so.
   */
  get prefetch(): number {
    const slots = this.pool.slots;
    if (slots === null || this.ctx.experiment.concurrency <= 1) return 0;
    let extra = 0;
    for (let slot = 0; slot < slots; slot++) extra += prefetchFor(concurrencyShare(this.ctx.experiment.concurrency, slot, slots));
    return extra;
  }

  run(spec: TrialSpec, cancel: AbortSignal): Promise<TrialOutcome> {
    this.watch(cancel);
    if (cancel.aborted) return Promise.reject(new TrialCancelled());
    // The common case (no per-variant limit) pays no extra promise: this runs once per trial.
    return this.gates.limited(spec.variantId) ? this.gated(spec, cancel) : this.submit(spec);
  }

  private async gated(spec: TrialSpec, cancel: AbortSignal): Promise<TrialOutcome> {
    const release = await this.gates.acquire(spec.variantId, cancel);
    try {
      if (cancel.aborted) throw new TrialCancelled();
      return await this.submit(spec);
    } finally {
      release();
    }
  }

  private submit(spec: TrialSpec): Promise<TrialOutcome> {
    return new Promise<TrialOutcome>((resolve, reject) => {
      const trial: Trial = {
        run: this, spec, wire: toWire(spec, this.variantIndex.get(spec.variantId) ?? -1, this.ctx.experiment.tasks),
        resolve, reject, producer: null, suspect: false, deaths: [], killedOutside: 0, sentAt: 0,
      };
      this.trials.set(spec.seq, trial);
      this.pool.enqueue(trial);
    });
  }

  settle(trial: Trial, outcome: TrialOutcome): void {
    this.trials.delete(trial.spec.seq);
    trial.resolve(outcome);
  }

  async close(): Promise<void> {
    this.cancelAll();
    this.pool.closeRun(this);
  }

  /** One listener per cancel signal: cancelling the run lets every trial go at once. */
  private watch(cancel: AbortSignal): void {
    if (this.watched.has(cancel)) return;
    this.watched.add(cancel);
    cancel.addEventListener('abort', () => this.cancelAll(), { once: true });
  }

  private cancelAll(): void {
    if (this.trials.size === 0) return;
    const trials = [...this.trials.values()];
    this.trials.clear();
    this.pool.cancelRun(this);
    for (const t of trials) t.reject(new TrialCancelled());
  }
}
