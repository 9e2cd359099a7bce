import type { WireSpec } from '../wire.js';

/**
 * What the bullmq executor keeps in Redis besides BullMQ's own keys (prefix `bull:`), for queue Q:
 *   metaorch:Q:runs           hash runId -> publication time: the runs workers may serve
 *   metaorch:Q:run:RUN        the run's validated experiment (secrets as ${ENV} references only)
 *   metaorch:Q:results:RUN    a stream of outcomes (each entry a JSON array), read and trimmed by the orchestrator
 * Job ids are `RUN-TAG-N` (TAG names the orchestrator process that enqueued them): a job added
 * again after Redis lost it keeps its id, so adding it twice is a no-op.
 *
 * @example
 * redisKeys('evals').results('20261121-203235-861a'); // 'metaorch:evals:results:20261121-203235-861a'
 */
export function redisKeys(queue: string) {
  const base = `metaorch:${queue}`;
  return {
    runs: `${base}:runs`,
    run: (runId: string) => `${base}:run:${runId}`,
    results: (runId: string) => `${base}:results:${runId}`,
  };
}

/**
 * A job's payload: a batch of trial specs (not the dataset), as the pool's wire tuples
 * `[seq, variantIndex, taskIdx, repeat, seed, task?]`; tasks travel only when they are not the
 * run's published ones.
 */
export interface JobData {
  /** run id */
  r: string;
  /** trial specs */
  b: WireSpec[];
}
