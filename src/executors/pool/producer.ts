import { liveGroups } from '../../adapters/exec-group.js';
import type { Experiment } from '../../config/experiment.js';
import { TrialCancelled } from '../../engine/classify.js';
import { runTrial } from '../../engine/run-trial.js';
import { buildRuntime, type TrialRuntime } from '../../engine/runtime.js';
import { warmRuntime } from '../../engine/warm.js';
import type { TrialOutcome, TrialSpec } from '../../model/trial.js';
import { erroredOutcome } from '../outcomes.js';
import { fromWire } from '../wire.js';
import type { FromProducer, ToProducer } from './protocol.js';

export interface ProducerChannel {
  send(message: FromProducer): void;
  onMessage(handler: (message: ToProducer) => void): void;
  exit(code: number): void;
  heartbeatMs: number;
}

interface RunState {
  experiment: Experiment;
  runtime: TrialRuntime | null;
  /** The runtime warmed (SDKs, modules, the engine's code loaded): trials wait for it, so no first trial is timed with loading. */
  ready: Promise<void>;
  /** Why the runtime could not be built: every trial of the run errors with it. */
  error: string | null;
  cancel: AbortController;
  inFlight: number;
  /** Trials of the run that may run here at once; the rest wait in `waiting`. */
  limit: number;
  waiting: TrialSpec[];
}

/**
 * The producer's loop, on any channel (the IPC channel in a real child). Outcomes are batched: those
 * finished within one turn of the event loop leave in one message.
 *
 * @example
 * startProducer({ send: (m) => process.send?.(m), onMessage: (h) => process.on('message', h), exit: process.exit, heartbeatMs: 1000 });
 */
export function startProducer(channel: ProducerChannel): void {
  const runs = new Map<string, RunState>();
  const pending = new Map<string, TrialOutcome[]>();
  let flushQueued = false;
  let done = 0;
  let inFlight = 0;
  let shuttingDown = false;

  const flush = () => {
    flushQueued = false;
    for (const [runId, outcomes] of pending) channel.send({ t: 'outcomes', runId, outcomes });
    pending.clear();
    if (shuttingDown && inFlight === 0) channel.exit(0);
  };
  const report = (runId: string, outcome: TrialOutcome) => {
    let list = pending.get(runId);
    if (!list) pending.set(runId, (list = []));
    list.push(outcome);
    done++;
    if (!flushQueued) {
      flushQueued = true;
      setImmediate(flush);
    }
  };

  /** Starts the trial, or queues it behind the run's limit (it counts as in flight either way). */
  const admit = (runId: string, run: RunState, spec: TrialSpec) => {
    inFlight++;
    if (run.inFlight < run.limit) start(runId, run, spec);
    else run.waiting.push(spec);
  };

  const start = (runId: string, run: RunState, spec: TrialSpec) => {
    run.inFlight++;
    const settle = () => {
      inFlight--;
      run.inFlight--;
      const next = run.waiting.shift();
      if (next && !run.cancel.signal.aborted) start(runId, run, next);
      if (shuttingDown && inFlight === 0 && !flushQueued) channel.exit(0);
    };
    if (!run.runtime) {
      report(runId, erroredOutcome(spec, run.experiment, { kind: 'client', message: run.error ?? 'no runtime', retryable: false }));
      settle();
      return;
    }
    const runtime = run.runtime;
    run.ready.then(() => runTrial(spec, runtime, run.cancel.signal)).then(
      (outcome) => {
        report(runId, outcome);
        settle();
      },
      (error: unknown) => {
        // A cancelled trial reports nothing: the master has already let it go.
        if (!(error instanceof TrialCancelled)) {
          const message = run.runtime?.redact(error instanceof Error ? error.message : String(error)) ?? 'trial failed';
          report(runId, erroredOutcome(spec, run.experiment, { kind: 'unknown', message, retryable: false }));
        }
        settle();
      },
    );
  };

  /** Cancelled trials that never started report nothing, like those cancelled while running. */
  const dropWaiting = (run: RunState) => {
    inFlight -= run.waiting.length;
    run.waiting = [];
  };

  channel.onMessage((message) => {
    switch (message.t) {
      case 'run': {
        const previous = runs.get(message.runId);
        if (previous) break;
        let runtime: TrialRuntime | null = null;
        let error: string | null = null;
        try {
          runtime = buildRuntime(message.experiment, process.env, message.backoff);
        } catch (e) {
          error = `the producer could not build the run's adapters and scorers: ${e instanceof Error ? e.message : String(e)}`;
        }
        const ready = runtime ? warmRuntime(runtime).catch(() => undefined) : Promise.resolve();
        const runId = message.runId;
        void ready.then(() => channel.send({ t: 'warmed', runId }));
        const limit = message.limit === undefined ? Number.POSITIVE_INFINITY : Math.max(1, message.limit);
        runs.set(message.runId, { experiment: message.experiment, runtime, ready, error, cancel: new AbortController(), inFlight: 0, limit, waiting: [] });
        break;
      }
      case 'trials': {
        const run = runs.get(message.runId);
        if (!run) break;
        for (const wire of message.specs) admit(message.runId, run, fromWire(message.runId, wire, run.experiment));
        break;
      }
      case 'cancel': {
        const run = runs.get(message.runId);
        if (run) dropWaiting(run);
        run?.cancel.abort();
        break;
      }
      case 'end': {
        const run = runs.get(message.runId);
        runs.delete(message.runId);
        if (run) dropWaiting(run);
        run?.cancel.abort();
        void run?.runtime?.close().catch(() => undefined);
        break;
      }
      case 'shutdown':
        shuttingDown = true;
        if (inFlight === 0 && !flushQueued) channel.exit(0);
        break;
    }
  });

  const heartbeat = setInterval(() => {
    const groups = liveGroups();
    channel.send({ t: 'hb', rss: process.memoryUsage.rss(), done, ...(groups.length ? { groups } : {}) });
  }, Math.max(50, channel.heartbeatMs));
  heartbeat.unref();
  channel.send({ t: 'ready' });
}
