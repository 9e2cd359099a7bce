/**
 * Reads trials into a RunAggregate through the store's read side: a cold build over seq ranges
 * (yielding to the event loop between chunks so the server stays responsive), and live updates for
 * the seqs named by `trials` events.
 *
 * The cold build costs one pass over the run's rows in the store (per bucket: one aggregate query
 * grouped by variant); latencies are read for every trial of small runs but only for a fixed
 * pseudo-random sample of large ones (the seqHash filter, in the query).
 */
import type { TrialFacts } from '../store/read-records.js';
import type { VariantSums } from '../store/records.js';
import type { RunQueries } from '../store/run-queries.js';
import { RunAggregate, seqHash, type TrialGroup } from './aggregate.js';

/** Seqs per cold-build chunk. */
export const CHUNK = 16_384;
/** Runs up to this many trials keep every latency (exact percentiles, as `metaorch report`). */
const EXACT_LATENCY_UP_TO = 60_000;

function groupOfSums(v: VariantSums, seq: number): TrialGroup {
  const g: TrialGroup = {
    variantId: v.variantId, seq, n: v.finished, errors: v.errors, ns: v.ns, s: v.s, s2: v.s2, judged: v.judged, passes: v.passes, cost: v.cost,
    tokensIn: v.tokensIn, tokensOut: v.tokensOut, costUnknown: v.costUnknown, tokensUnknown: v.tokensUnknown, attempts: v.attempts, latN: v.latN, latSum: v.latSum, latencies: [],
  };
  if (v.errors > 0) g.errorKinds = v.errorsByKind;
  return g;
}

/** One finished trial as a group of one. */
export function groupOfTrial(t: TrialFacts): TrialGroup {
  const ok = t.status === 'ok';
  const lat = ok && t.latencyMs !== null;
  const g: TrialGroup = {
    variantId: t.variantId, seq: t.seq, n: 1, errors: ok ? 0 : 1, ns: ok && t.score !== null ? 1 : 0, s: ok ? (t.score ?? 0) : 0,
    s2: ok ? (t.score ?? 0) ** 2 : 0, judged: ok && t.passed !== null ? 1 : 0, passes: ok && t.passed ? 1 : 0, cost: t.cost ?? 0,
    tokensIn: t.tokensIn ?? 0, tokensOut: t.tokensOut ?? 0, costUnknown: t.cost === null ? 1 : 0,
    tokensUnknown: t.tokensIn === null || t.tokensOut === null ? 1 : 0, attempts: t.attempts, latN: lat ? 1 : 0, latSum: lat ? (t.latencyMs as number) : 0,
    latencies: lat ? [[seqHash(t.seq), t.latencyMs as number]] : [],
  };
  if (!ok) g.errorKinds = { [t.errorKind ?? 'unknown']: 1 };
  return g;
}

/** What a cold build saw, so that live events arriving meanwhile are not counted twice. */
export interface BuildResult {
  aggregate: RunAggregate;
  /** The last event seq at the start of the build: later events must be applied. */
  startSeq: number;
  /** Per chunk, the last event seq visible when the chunk was read: trials of events up to it are in. */
  chunkSeen: Map<number, number>;
}

/**
 * Builds the statistics of a run from its trials, chunk by chunk.
 *
 * @example
 * const { aggregate } = await buildAggregate(queries, runId, ['a', 'b']);
 */
export async function buildAggregate(queries: RunQueries, runId: string, variants: readonly string[]): Promise<BuildResult> {
  const [eventSeq, size] = queries.snapshot(() => [queries.lastEventSeq(), queries.trialSpan(runId)]);
  const bucketSize = 2 ** Math.ceil(Math.log2(Math.max(1, size / 512)));
  const exact = size <= EXACT_LATENCY_UP_TO;
  const threshold = exact ? 2 ** 32 : 2 ** 32 / 2 ** Math.ceil(Math.log2(size / EXACT_LATENCY_UP_TO));
  const aggregate = new RunAggregate(variants, bucketSize, threshold);
  const chunk = Math.max(CHUNK, bucketSize);
  const chunkSeen = new Map<number, number>();
  for (let start = 0; start < size; start += chunk) {
    const end = start + chunk;
    // One snapshot per chunk: a trial whose event is at or below hw is in the chunk's rows, later ones are not.
    const hw = queries.snapshot(() => {
      for (let b = start; b < end && b < size; b += bucketSize) {
        for (const sums of queries.variantSums(runId, { from: b, to: b + bucketSize })) aggregate.add(groupOfSums(sums, b));
      }
      for (const [v, seq, ms] of queries.latencies(runId, threshold, { from: start, to: end })) aggregate.latency.add(v, seqHash(seq), ms);
      return queries.lastEventSeq();
    });
    for (let c = start / CHUNK; c < end / CHUNK; c++) chunkSeen.set(c, hw);
    if (end < size) await new Promise((r) => setImmediate(r));
  }
  aggregate.caughtUp(eventSeq);
  return { aggregate, startSeq: eventSeq, chunkSeen };
}

/** Reads finished trials by seq, as groups of one, for live updates. */
export class TrialReader {
  constructor(private readonly queries: RunQueries) {}

  /** One group per finished trial among `seqs`. */
  groups(runId: string, seqs: readonly number[]): TrialGroup[] {
    return this.queries.trialFacts(runId, seqs).map(groupOfTrial);
  }
}
