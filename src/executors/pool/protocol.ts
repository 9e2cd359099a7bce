import type { Experiment } from '../../config/experiment.js';
import type { BackoffOptions } from '../../engine/retry.js';
import type { TrialOutcome } from '../../model/trial.js';
import type { WireSpec } from '../wire.js';

/**
 * The producer protocol: JSON messages over a child process's IPC channel. Work is organised by run
 * (a grid, an adaptive run, a continuous run, a topic or a gateway route: anything whose units are
 * trials). A producer builds a run's adapters and scorers once, on `run`; trial specs then travel as
 * compact tuples in batches, and outcomes come back in batches.
 *
 *   master -> producer: run, trials, cancel, end, shutdown
 *   producer -> master: ready, hb (heartbeat), warmed, outcomes
 */

export type ToProducer =
  /**
   * Build this run's runtime (adapters, scorers) from its validated experiment, once. `limit`: how
   * many of the run's trials may run here at once (this producer's share of the run's concurrency);
   * trials sent beyond it wait here, in order, so a freed slot never waits a round trip to the master.
   */
  | { t: 'run'; runId: string; experiment: Experiment; backoff?: BackoffOptions; limit?: number }
  | { t: 'trials'; runId: string; specs: WireSpec[] }
  /** Cancel every trial of the run in flight here (they report nothing). */
  | { t: 'cancel'; runId: string }
  /** The run is over: close its runtime. */
  | { t: 'end'; runId: string }
  /** Exit once in-flight trials are done (the supervisor kills it after its stop timeout). */
  | { t: 'shutdown' };

export type FromProducer =
  | { t: 'ready' }
  /** `groups`: the process groups of commands (exec variants) running here, ended by the master if this producer dies. */
  | { t: 'hb'; rss: number; done: number; groups?: number[] }
  /** The run's runtime is built and warmed here: its trials start at full speed. */
  | { t: 'warmed'; runId: string }
  | { t: 'outcomes'; runId: string; outcomes: TrialOutcome[] };
